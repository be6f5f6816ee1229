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

    private static readonly CsvItemColumns<SubscriptionItem> Csv = new(
        ["external_id", "customer_external_id", "plan", "started_at", "billing_period", "amount", "currency"], optional: ["ended_at"]);

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
            var columns = await Csv.ReadHeaderAsync(csv, cancellationToken);
            while (await csv.ReadAsync(cancellationToken))
            {
                if (csv.IsBlank)
                {
                    continue;
                }

                received++;
                csv.CopyFieldsTo(fields);
                var record = new CsvItemFields(fields, columns);
                if (Csv.Validate(ToItem(record), record.NumberErrors, validator, csv.Line, errors) is { } item
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
        var (money, field, error) = await converter.ConvertAsync(row.Amount, row.Currency, day, cancellationToken);
        if (money is not { } m)
        {
            errors.Reject([Error(position, isLine, field!, error!)]);
            return null;
        }

        return row with { Amount = m.Amount, Currency = m.Currency, OriginalAmount = m.OriginalAmount, OriginalCurrency = m.OriginalCurrency, FxRate = m.RateToReporting };
    }

    private static ItemError Error(long position, bool isLine, string field, string message) => isLine
        ? new ItemError { Line = position, Field = Csv.ColumnOf(field), Message = message }
        : new ItemError { Index = (int)position, Field = field, Message = message };

    // The item of a CSV record, before validation.
    private static SubscriptionItem ToItem(CsvItemFields record) => new()
    {
        ExternalId = record.Text("external_id"),
        CustomerExternalId = record.Text("customer_external_id"),
        Plan = record.Text("plan"),
        StartedAt = record.Text("started_at"),
        EndedAt = record.Text("ended_at"),
        BillingPeriod = record.Text("billing_period"),
        Amount = record.Number("amount", "'amount' must be a decimal number such as 49.90."),
        Currency = record.Text("currency"),
    };

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
