using System.Globalization;
using System.Text;
using Clv.Api.Errors;
using Clv.Data;
using Clv.Data.Ingestion;
using Clv.Data.Transactions;
using FluentValidation;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Clv.Api.Ingestion;

/// <summary>
/// Validates transaction items, JSON or CSV, and hands the valid ones to the bulk writer.
/// A JSON request is one database transaction; a CSV import is one per chunk of
/// <see cref="CsvChunkRows"/> rows, or one for the whole file when atomic.
/// </summary>
public sealed class TransactionIngestion(
    ClvDbContext db,
    TransactionWriter writer,
    IValidator<TransactionItem> validator,
    IOptions<ClvOptions> options,
    TimeProvider time)
{
    /// <summary>Rows of a CSV import written per database transaction.</summary>
    public const int CsvChunkRows = 50_000;

    private static readonly string[] CsvRequired = ["external_id", "customer_external_id", "occurred_at", "type", "amount", "currency"];

    // CSV errors name the column the user wrote, not the JSON property.
    private static readonly Dictionary<string, string> CsvColumnOf = new(StringComparer.Ordinal)
    {
        ["externalId"] = "external_id",
        ["customerExternalId"] = "customer_external_id",
        ["occurredAt"] = "occurred_at",
        ["type"] = "type",
        ["amount"] = "amount",
        ["currency"] = "currency",
        ["cost"] = "cost",
    };

    /// <summary>Ingests a JSON batch.</summary>
    public async Task<TransactionIngestResponse> IngestAsync(IReadOnlyList<TransactionItem?> items, bool atomic, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(items);
        ItemErrors.ThrowIfTooMany(items.Count);
        var errors = new ItemErrors();
        var rows = errors.ValidateAll(items, validator, ToRow).ConvertAll(r => r.Row);
        errors.ThrowIfAtomicAndRejected(atomic);
        var counts = await writer.WriteAsync(rows, time.GetUtcNow(), options.Value.ReportingTimeZone, cancellationToken);
        return Respond(items.Count, counts, errors);
    }

    /// <summary>Ingests a CSV body, streamed: memory stays flat however long the file is.</summary>
    public async Task<TransactionIngestResponse> ImportCsvAsync(Stream body, bool atomic, CancellationToken cancellationToken)
    {
        using var text = new StreamReader(body, new UTF8Encoding(false, throwOnInvalidBytes: true), detectEncodingFromByteOrderMarks: true, 64 * 1024);
        var csv = new CsvRecordReader(text);
        var fields = new List<string>();
        var columns = await ReadHeaderAsync(csv, fields, cancellationToken);
        var errors = new ItemErrors();
        var chunk = new List<TransactionRow>(CsvChunkRows);
        long received = 0, inserted = 0, duplicates = 0;

        async Task WriteChunkAsync()
        {
            var counts = await writer.WriteAsync(chunk, time.GetUtcNow(), options.Value.ReportingTimeZone, cancellationToken);
            inserted += counts.Created;
            duplicates += counts.Existing;
            chunk.Clear();
        }

        await using var outer = atomic ? await db.Database.BeginTransactionAsync(cancellationToken) : null;
        while (await ReadRecordAsync(csv, fields, cancellationToken))
        {
            if (fields is [""])
            {
                continue; // a blank line
            }

            received++;
            var item = ToItem(fields, columns, out var parseErrors);
            var failures = parseErrors.Concat(validator.Validate(item).Errors
                .Where(f => !parseErrors.Any(p => p.Field == f.PropertyName))
                .Select(f => (Field: f.PropertyName, Message: f.ErrorMessage))).ToList();
            if (failures.Count > 0)
            {
                var line = csv.RecordLine;
                errors.Reject(failures.Select(f => new ItemError { Line = line, Field = CsvColumnOf.GetValueOrDefault(f.Field, f.Field), Message = f.Message }));
                continue;
            }

            // Atomic mode reads on to report every error, but stops writing at the first.
            if (atomic && errors.Rejected > 0)
            {
                continue;
            }

            chunk.Add(ToRow(item));
            if (chunk.Count == CsvChunkRows)
            {
                await WriteChunkAsync();
            }
        }

        errors.ThrowIfAtomicAndRejected(atomic);
        await WriteChunkAsync();
        if (outer is not null)
        {
            await outer.CommitAsync(cancellationToken);
        }

        return Respond(received, new WriteCounts(inserted, duplicates), errors);
    }

    private static TransactionIngestResponse Respond(long received, WriteCounts counts, ItemErrors errors) => new()
    {
        Received = received,
        Inserted = counts.Created,
        Duplicates = counts.Existing,
        Rejected = errors.Rejected,
        Errors = errors.Errors,
        ErrorsTruncated = errors.Truncated,
    };

    private static TransactionRow ToRow(TransactionItem item) => new(
        item.ExternalId!,
        item.CustomerExternalId!,
        IsoDateTime.TryParse(item.OccurredAt, out var at) ? at : throw new InvalidOperationException("Map only validated items."),
        item.Type == "refund" ? TransactionType.Refund : TransactionType.Purchase,
        item.Amount!.Value,
        item.Currency!.ToUpperInvariant(),
        item.Cost);

    private static async Task<Dictionary<string, int>> ReadHeaderAsync(CsvRecordReader csv, List<string> fields, CancellationToken cancellationToken)
    {
        if (!await ReadRecordAsync(csv, fields, cancellationToken))
        {
            throw new ClvProblemException(StatusCodes.Status400BadRequest, "Empty CSV",
                "The body is empty; the first line must be the header " + string.Join(',', CsvRequired) + "[,cost].");
        }

        var columns = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < fields.Count; i++)
        {
            columns.TryAdd(fields[i].Trim(), i);
        }

        var missing = CsvRequired.Where(c => !columns.ContainsKey(c)).ToList();
        if (missing.Count > 0)
        {
            throw new ClvProblemException(StatusCodes.Status400BadRequest, "Invalid CSV header",
                $"Line 1: the header lacks {string.Join(", ", missing)}. Expected: {string.Join(',', CsvRequired)}[,cost].");
        }

        return columns;
    }

    private static async ValueTask<bool> ReadRecordAsync(CsvRecordReader csv, List<string> fields, CancellationToken cancellationToken)
    {
        try
        {
            return await csv.ReadAsync(fields, cancellationToken);
        }
        catch (FormatException e)
        {
            throw new ClvProblemException(StatusCodes.Status400BadRequest, "Malformed CSV", e.Message);
        }
    }

    private static TransactionItem ToItem(List<string> fields, Dictionary<string, int> columns, out List<(string Field, string Message)> errors)
    {
        var parseErrors = new List<(string Field, string Message)>();
        string? Get(string column) =>
            columns.TryGetValue(column, out var i) && i < fields.Count && fields[i].Length > 0 ? fields[i] : null;

        decimal? Number(string column, string field)
        {
            var text = Get(column);
            if (text is null)
            {
                return null;
            }

            if (decimal.TryParse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value))
            {
                return value;
            }

            parseErrors.Add((field, $"'{column}' must be a decimal number such as 12.50."));
            return null;
        }

        var item = new TransactionItem
        {
            ExternalId = Get("external_id"),
            CustomerExternalId = Get("customer_external_id"),
            OccurredAt = Get("occurred_at"),
            Type = Get("type"),
            Currency = Get("currency"),
            Amount = Number("amount", "amount"),
            Cost = Number("cost", "cost"),
        };
        errors = parseErrors;
        return item;
    }
}
