using System.Globalization;
using Clv.Analytics.Historical;
using Clv.Api.Ingestion;
using Clv.Api.Observability;
using Clv.Api.Requests;
using Clv.Data;
using Clv.Data.Ingestion;
using Clv.Data.Subscriptions;
using FluentValidation;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Options;

namespace Clv.Api.Subscriptions;

/// <summary>
/// Validates subscriptions, JSON or CSV, converts their amounts to the reporting currency and
/// hands the valid ones to the writer, which upserts them by external id. A JSON request is one
/// database transaction; a CSV import is one per chunk of <see cref="CsvChunkRows"/> rows, or one
/// for the whole file when atomic. An external id repeated in one request is rejected after its
/// first item (which of two states would win is not the caller's to guess).
/// </summary>
public sealed class SubscriptionIngestion(
    ClvDbContext db,
    SubscriptionWriter writer,
    IValidator<SubscriptionItem> validator,
    CurrencyConverter converter,
    IOptions<ClvOptions> options,
    TimeProvider time,
    ClvMetrics metrics)
{
    /// <summary>Rows of a CSV import written per database transaction.</summary>
    public const int CsvChunkRows = 10_000;

    private static readonly string[] CsvRequired = ["external_id", "customer_external_id", "plan", "started_at", "billing_period", "amount", "currency"];

    // CSV errors name the column the user wrote, not the JSON property.
    private static readonly Dictionary<string, string> CsvColumnOf = new(StringComparer.Ordinal)
    {
        ["externalId"] = "external_id",
        ["customerExternalId"] = "customer_external_id",
        ["plan"] = "plan",
        ["startedAt"] = "started_at",
        ["endedAt"] = "ended_at",
        ["billingPeriod"] = "billing_period",
        ["amount"] = "amount",
        ["currency"] = "currency",
    };

    /// <summary>Ingests a JSON batch.</summary>
    public async Task<SubscriptionIngestResponse> IngestAsync(IReadOnlyList<SubscriptionItem?> items, bool atomic, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(items);
        ItemErrors.ThrowIfTooMany(items.Count);
        var errors = new ItemErrors();
        var firstIndex = new Dictionary<string, long>(StringComparer.Ordinal);
        var rows = new List<(long Index, SubscriptionRow Row)>(items.Count);
        foreach (var (index, item) in errors.ValidateAll(items, validator, i => i))
        {
            if (await AcceptAsync(item, index, isLine: false, firstIndex, errors, cancellationToken) is { } row)
            {
                rows.Add((index, row));
            }
        }

        errors.ThrowIfAtomicAndRejected(atomic);
        var counts = new Counts();
        await using (var transaction = atomic ? await db.Database.BeginTransactionAsync(cancellationToken) : null)
        {
            await WriteAsync(rows, isLine: false, counts, errors, cancellationToken);
            await CommitUnlessRejectedAsync(transaction, atomic, errors, cancellationToken);
        }

        metrics.ItemsRejected(ClvMetrics.Kinds.Subscriptions, errors.Rejected);
        return Respond(items.Count, counts, errors);
    }

    /// <summary>Ingests a CSV body, streamed in chunks.</summary>
    public async Task<SubscriptionIngestResponse> ImportCsvAsync(Stream body, bool atomic, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(body);
        var errors = new ItemErrors();
        var counts = new Counts();
        long received = 0;
        var firstLine = new Dictionary<string, long>(StringComparer.Ordinal);
        var chunk = new List<(long Line, SubscriptionRow Row)>(CsvChunkRows);
        var transaction = atomic ? await db.Database.BeginTransactionAsync(cancellationToken) : null;
        try
        {
            using var csv = await CsvRecords.OpenAsync(body, cancellationToken);
            var fields = new List<string>();
            var columns = await csv.ReadHeaderAsync(CsvRequired, "[,ended_at]", cancellationToken);
            while (await csv.ReadAsync(cancellationToken))
            {
                if (csv.IsBlank)
                {
                    continue;
                }

                received++;
                csv.CopyFieldsTo(fields);
                if (Validate(fields, columns, csv.Line, errors) is { } item
                    && await AcceptAsync(item, csv.Line, isLine: true, firstLine, errors, cancellationToken) is { } row)
                {
                    chunk.Add((csv.Line, row));
                }

                if (chunk.Count == CsvChunkRows)
                {
                    await FlushAsync();
                }
            }

            await FlushAsync();
            await CommitUnlessRejectedAsync(transaction, atomic, errors, cancellationToken);
        }
        finally
        {
            metrics.ItemsRejected(ClvMetrics.Kinds.Subscriptions, errors.Rejected);
            if (transaction is not null)
            {
                await transaction.DisposeAsync();
            }
        }

        return Respond(received, counts, errors);

        async Task FlushAsync()
        {
            // Atomic mode reads on to report every error, but writes nothing after the first.
            if (!(atomic && errors.Rejected > 0))
            {
                await WriteAsync(chunk, isLine: true, counts, errors, cancellationToken);
            }

            chunk.Clear();
        }
    }

    private static async Task CommitUnlessRejectedAsync(IDbContextTransaction? transaction, bool atomic, ItemErrors errors, CancellationToken cancellationToken)
    {
        errors.ThrowIfAtomicAndRejected(atomic);
        if (transaction is not null)
        {
            await transaction.CommitAsync(cancellationToken);
        }
    }

    private sealed class Counts
    {
        public long Created { get; set; }

        public long Updated { get; set; }

        public long Unchanged { get; set; }
    }

    // Writes the rows; an item naming another customer than its stored subscription is rejected by its position.
    private async Task WriteAsync(List<(long Position, SubscriptionRow Row)> rows, bool isLine, Counts counts, ItemErrors errors, CancellationToken cancellationToken)
    {
        if (rows.Count == 0)
        {
            return;
        }

        var written = await writer.WriteAsync(rows.ConvertAll(r => r.Row), time.GetUtcNow(), cancellationToken);
        counts.Created += written.Created;
        counts.Updated += written.Updated;
        counts.Unchanged += written.Unchanged;
        metrics.RowsIngested(ClvMetrics.Kinds.Subscriptions, written.Created + written.Updated);
        foreach (var (position, row) in rows.Where(r => written.OtherCustomer.Contains(r.Row.ExternalId)))
        {
            errors.Reject([Error(position, isLine, "customerExternalId",
                $"Subscription '{row.ExternalId}' belongs to another customer; a subscription cannot move to another customer.")]);
        }
    }

    // The item's row in the reporting currency, unless its id repeats an earlier item of the request or it has no rate.
    private async Task<SubscriptionRow?> AcceptAsync(
        SubscriptionItem item, long position, bool isLine, Dictionary<string, long> first, ItemErrors errors, CancellationToken cancellationToken)
    {
        if (!first.TryAdd(item.ExternalId!, position))
        {
            errors.Reject([Error(position, isLine, "externalId", $"Repeats the external id of {(isLine ? "line" : "item")} {first[item.ExternalId!]} in this request.")]);
            return null;
        }

        var row = ToRow(item);
        var day = HistoricalClvCalculator.LocalDate(row.StartedAt, options.Value.TimeZone);
        var (money, error) = await converter.ConvertAsync(row.Amount, row.Currency, day, cancellationToken);
        if (money is not { } m)
        {
            errors.Reject([Error(position, isLine, "currency", error!)]);
            return null;
        }

        return row with { Amount = m.Amount, Currency = m.Currency, OriginalAmount = m.OriginalAmount, OriginalCurrency = m.OriginalCurrency, FxRate = m.RateToReporting };
    }

    private static ItemError Error(long position, bool isLine, string field, string message) => isLine
        ? new ItemError { Line = position, Field = CsvColumnOf.GetValueOrDefault(field, field), Message = message }
        : new ItemError { Index = (int)position, Field = field, Message = message };

    // The item of a record; null, with its errors recorded, when invalid.
    private SubscriptionItem? Validate(List<string> fields, Dictionary<string, int> columns, long line, ItemErrors errors)
    {
        string? Get(string column) =>
            columns.TryGetValue(column, out var i) && i < fields.Count && fields[i].Length > 0 ? fields[i] : null;

        var amountText = Get("amount");
        var amountParses = decimal.TryParse(amountText, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var amount);
        var item = new SubscriptionItem
        {
            ExternalId = Get("external_id"),
            CustomerExternalId = Get("customer_external_id"),
            Plan = Get("plan"),
            StartedAt = Get("started_at"),
            EndedAt = Get("ended_at"),
            BillingPeriod = Get("billing_period"),
            Amount = amountParses ? amount : null,
            Currency = Get("currency"),
        };
        var failures = validator.Validate(item).Errors.Select(f => (Field: f.PropertyName, Message: f.ErrorMessage)).ToList();
        if (amountText is not null && !amountParses)
        {
            failures.RemoveAll(f => f.Field == "amount");
            failures.Add(("amount", "'amount' must be a decimal number such as 49.90."));
        }

        if (failures.Count == 0)
        {
            return item;
        }

        errors.Reject(failures.Select(f => new ItemError { Line = line, Field = CsvColumnOf.GetValueOrDefault(f.Field, f.Field), Message = f.Message }));
        return null;
    }

    private static SubscriptionIngestResponse Respond(long received, Counts counts, ItemErrors errors) => new()
    {
        Received = received,
        Created = counts.Created,
        Updated = counts.Updated,
        Unchanged = counts.Unchanged,
        Rejected = errors.Rejected,
        Errors = errors.Errors,
        ErrorsTruncated = errors.Truncated,
    };

    /// <summary>The row of a validated item, in the currency sent.</summary>
    internal static SubscriptionRow ToRow(SubscriptionItem item) => new(
        item.ExternalId!,
        item.CustomerExternalId!,
        item.Plan!.Trim(),
        IsoDateTime.TryParse(item.StartedAt, out var started) ? started : throw new InvalidOperationException("Map only validated items."),
        IsoDateTime.TryParse(item.EndedAt, out var ended) ? ended : null,
        item.BillingPeriod == "year" ? BillingPeriod.Year : BillingPeriod.Month,
        item.Amount!.Value,
        item.Currency!.ToUpperInvariant());
}
