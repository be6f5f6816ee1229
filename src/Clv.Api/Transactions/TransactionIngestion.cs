using System.Runtime.CompilerServices;
using System.Text;
using System.Threading.Channels;
using Clv.Api.Ingestion;
using Clv.Api.Observability;
using Clv.Api.Requests;
using Clv.Data;
using Clv.Data.Infrastructure;
using Clv.Data.Ingestion;
using Clv.Data.Transactions;
using FluentValidation;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Clv.Api.Transactions;

/// <summary>
/// Validates transaction items, JSON or CSV, and hands the valid ones to the bulk writer.
/// A JSON request is one database transaction; a CSV import is one per chunk of
/// <see cref="CsvChunkRows"/> rows of one writer (<see cref="WriterOf"/>), or one for the whole
/// file when atomic.
/// </summary>
public sealed class TransactionIngestion(
    ClvDbContext db,
    TransactionWriter writer,
    IValidator<TransactionItem> validator,
    IOptions<ClvOptions> options,
    TimeProvider time,
    IServiceScopeFactory scopes,
    CurrencyConverter converter,
    PlannerStatistics statistics,
    ClvMetrics metrics)
{
    /// <summary>Rows of a CSV import written per database transaction.</summary>
    public const int CsvChunkRows = 50_000;

    /// <summary>Database connections that write the chunks of one CSV import at once.</summary>
    public const int CsvWriters = 2;

    /// <summary>
    /// The writer of a CSV import that stores a customer's rows: the 32-bit FNV-1a hash of the
    /// UTF-8 bytes of their external id, modulo <see cref="CsvWriters"/>. Each writer's rows form
    /// its chunks, in file order. So the writers never share a customer, and neither waits for the
    /// other to commit a customer both would create; and a customer's rows keep their file order.
    /// </summary>
    public static int WriterOf(string customerExternalId)
    {
        ArgumentNullException.ThrowIfNull(customerExternalId);
        var size = Encoding.UTF8.GetMaxByteCount(customerExternalId.Length);
        Span<byte> bytes = size <= 1024 ? stackalloc byte[size] : new byte[size];
        var hash = 2166136261u;
        foreach (var b in bytes[..Encoding.UTF8.GetBytes(customerExternalId, bytes)])
        {
            hash = (hash ^ b) * 16777619u;
        }

        return (int)(hash % CsvWriters);
    }

    private static readonly CsvItemColumns<TransactionItem> Csv = new(
        ["external_id", "customer_external_id", "occurred_at", "type", "amount", "currency"], optional: ["cost"], numberErrorsFirst: true);

    /// <summary>Ingests a JSON batch.</summary>
    public async Task<TransactionIngestResponse> IngestAsync(IReadOnlyList<TransactionItem?> items, bool atomic, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(items);
        ItemErrors.ThrowIfTooMany(items.Count);
        var errors = new ItemErrors();
        var rows = new List<TransactionRow>(items.Count);
        foreach (var (index, row) in errors.ValidateAll(items, validator, ToRow))
        {
            var (converted, field, error) = await ConvertAsync(row, cancellationToken);
            if (converted is null)
            {
                errors.Reject([new ItemError { Index = index, Field = field!, Message = error! }]);
                continue;
            }

            rows.Add(converted);
        }

        metrics.ItemsRejected(ClvMetrics.Kinds.Transactions, errors.Rejected);
        errors.ThrowIfAtomicAndRejected(atomic);
        var counts = await writer.WriteAsync(rows, options.Value.TimeZone, time.GetUtcNow(), cancellationToken);
        metrics.RowsIngested(ClvMetrics.Kinds.Transactions, counts.Created);
        return Respond(items.Count, counts, errors);
    }

    /// <summary>Ingests a CSV body, streamed: memory stays flat however long the file is.</summary>
    public async Task<TransactionIngestResponse> ImportCsvAsync(Stream body, bool atomic, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(body);
        var read = new CsvReadState();
        var chunks = ReadChunksAsync(body, read, atomic, cancellationToken);
        WriteCounts counts;
        try
        {
            counts = atomic
                ? await WriteInOneTransactionAsync(chunks, read.Errors, cancellationToken)
                : await WriteInParallelAsync(chunks, cancellationToken);
        }
        finally
        {
            metrics.ItemsRejected(ClvMetrics.Kinds.Transactions, read.Errors.Rejected);
        }

        metrics.RowsIngested(ClvMetrics.Kinds.Transactions, counts.Created);
        // The reads that follow an import at once are planned on statistics of the book it made.
        await statistics.RefreshAfterImportAsync(counts.Created, cancellationToken);
        return Respond(read.Received, counts, read.Errors);
    }

    private sealed class CsvReadState
    {
        public long Received { get; set; }

        public ItemErrors Errors { get; } = new();
    }

    // Yields validated rows in chunks of CsvChunkRows, each of one writer's rows in file order;
    // records every invalid row in the state. Sep splits the records (CsvRecords); plainly valid
    // rows in the reporting currency take the fast path (FastCsvTransactions); the rest are
    // validated as items, as JSON items are.
    private async IAsyncEnumerable<Chunk> ReadChunksAsync(
        Stream body, CsvReadState read, bool atomic, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var csv = await CsvRecords.OpenAsync(body, cancellationToken);
        var fields = new List<string>();
        var columns = await Csv.ReadHeaderAsync(csv, cancellationToken);
        var fast = new FastCsvTransactions(columns, converter.Reporting, time.GetUtcNow().AddDays(1));
        var chunks = new List<TransactionRow>[CsvWriters];
        for (var w = 0; w < CsvWriters; w++)
        {
            chunks[w] = new List<TransactionRow>(CsvChunkRows);
        }

        while (await csv.ReadAsync(cancellationToken))
        {
            if (csv.IsBlank)
            {
                continue;
            }

            read.Received++;
            if (!fast.TryParse(csv, out var row))
            {
                csv.CopyFieldsTo(fields);
                row = await ValidateRecordAsync(fields, columns, csv.Line, read.Errors, cancellationToken);
                if (row is null)
                {
                    continue;
                }
            }

            // Atomic mode reads on to report every error, but keeps no rows after the first.
            if (atomic && read.Errors.Rejected > 0)
            {
                continue;
            }

            // An atomic import is one transaction written in file order: its first version of a
            // repeated id is the one kept, as in a JSON batch.
            var writer = atomic ? 0 : WriterOf(row.CustomerExternalId);
            chunks[writer].Add(row);
            if (chunks[writer].Count == CsvChunkRows)
            {
                yield return new Chunk(writer, chunks[writer]);
                chunks[writer] = new List<TransactionRow>(CsvChunkRows);
            }
        }

        for (var w = 0; w < CsvWriters; w++)
        {
            if (chunks[w].Count > 0)
            {
                yield return new Chunk(w, chunks[w]);
            }
        }
    }

    private sealed record Chunk(int Writer, List<TransactionRow> Rows);

    // The row of a record, converted to the reporting currency; null, with its errors recorded, when invalid.
    private async Task<TransactionRow?> ValidateRecordAsync(
        List<string> fields, Dictionary<string, int> columns, long line, ItemErrors errors, CancellationToken cancellationToken)
    {
        if (Csv.Validate(ToItem(fields, columns, out var numberErrors), numberErrors, validator, line, errors) is not { } item)
        {
            return null;
        }

        var (row, field, error) = await ConvertAsync(ToRow(item), cancellationToken);
        if (row is null)
        {
            errors.Reject([new ItemError { Line = line, Field = Csv.ColumnOf(field!), Message = error! }]);
        }

        return row;
    }

    private async Task<WriteCounts> WriteInOneTransactionAsync(IAsyncEnumerable<Chunk> chunks, ItemErrors errors, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        long created = 0, existing = 0;
        await foreach (var chunk in chunks)
        {
            if (errors.Rejected > 0)
            {
                continue; // the request fails with 422 once the file is read; nothing is committed
            }

            var counts = await writer.WriteAsync(chunk.Rows, options.Value.TimeZone, time.GetUtcNow(), cancellationToken);
            (created, existing) = (created + counts.Created, existing + counts.Existing);
        }

        errors.ThrowIfAtomicAndRejected(atomic: true);
        await writer.MarkChangedAsync(time.GetUtcNow(), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new WriteCounts(created, existing);
    }

    // Each writer's chunks are written on its own connection, the writers at once while the next
    // chunk is parsed, so the database uses every core. Each chunk is its own transaction; a failed
    // write stops the import and fails the request, and the chunks committed before it stay
    // (re-sending is safe).
    private async Task<WriteCounts> WriteInParallelAsync(IAsyncEnumerable<Chunk> chunks, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var queues = Enumerable.Range(0, CsvWriters)
            .Select(_ => Channel.CreateBounded<List<TransactionRow>>(new BoundedChannelOptions(1) { SingleWriter = true, SingleReader = true }))
            .ToArray();
        var writing = Task.WhenAll(queues.Select(queue => WriteChunksAsync(queue.Reader, stop)));
        try
        {
            await foreach (var chunk in chunks.WithCancellation(stop.Token))
            {
                await queues[chunk.Writer].Writer.WriteAsync(chunk.Rows, stop.Token);
            }
        }
        catch
        {
            Array.ForEach(queues, queue => queue.Writer.TryComplete());
            await writing; // a writer's failure, when there was one, is the cause to report
            throw;
        }

        Array.ForEach(queues, queue => queue.Writer.TryComplete());
        var results = await writing;
        return new WriteCounts(results.Sum(r => r.Created), results.Sum(r => r.Existing));
    }

    private async Task<WriteCounts> WriteChunksAsync(ChannelReader<List<TransactionRow>> queue, CancellationTokenSource stop)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var chunkWriter = scope.ServiceProvider.GetRequiredService<TransactionWriter>();
            long created = 0, existing = 0;
            await foreach (var chunk in queue.ReadAllAsync(stop.Token))
            {
                var counts = await chunkWriter.WriteAsync(chunk, options.Value.TimeZone, time.GetUtcNow(), stop.Token);
                (created, existing) = (created + counts.Created, existing + counts.Existing);
            }

            return new WriteCounts(created, existing);
        }
        catch
        {
            await stop.CancelAsync();
            throw;
        }
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

    // A row in another currency gets its reporting amounts at the rate of its day in the reporting
    // time zone, keeping the originals; without a recent enough rate it is rejected with an error
    // naming the currency and the day, and with an amount or cost of 10^15 or more once converted,
    // naming that field.
    private async Task<(TransactionRow? Row, string? Field, string? Error)> ConvertAsync(TransactionRow row, CancellationToken cancellationToken)
    {
        var day = Analytics.Historical.HistoricalClvCalculator.LocalDate(row.OccurredAt, options.Value.TimeZone);
        var (money, field, error) = await converter.ConvertAsync(row.Amount, row.Currency, day, cancellationToken);
        if (money is not { } m)
        {
            return (null, field, error);
        }

        var cost = m.AtSameRate(row.Cost);
        return CurrencyConverter.TooLarge(cost)
            ? (null, "cost", converter.TooLargeMessage("cost", cost!.Value, m.Rate!.Value))
            : (row with
            {
                Amount = m.Amount,
                Cost = cost,
                Currency = m.Currency,
                OriginalAmount = m.OriginalAmount,
                OriginalCurrency = m.OriginalCurrency,
                OriginalCost = m.OriginalOf(row.Cost),
                FxRate = m.RateToReporting,
            }, null, null);
    }

    /// <summary>The row of a validated item, before currency conversion.</summary>
    internal static TransactionRow ToRow(TransactionItem item) => new(
        item.ExternalId!,
        item.CustomerExternalId!,
        IsoDateTime.TryParse(item.OccurredAt, out var at) ? at : throw new InvalidOperationException("Map only validated items."),
        item.Type == "refund" ? TransactionType.Refund : TransactionType.Purchase,
        item.Amount!.Value,
        item.Currency!.ToUpperInvariant(),
        item.Cost);

    /// <summary>The item of a CSV record's fields; numbers that do not parse are reported in <paramref name="errors"/>.</summary>
    internal static TransactionItem ToItem(List<string> fields, Dictionary<string, int> columns, out List<(string Column, string Message)> errors)
    {
        var record = new CsvItemFields(fields, columns);
        errors = record.NumberErrors;
        return new TransactionItem
        {
            ExternalId = record.Text("external_id"),
            CustomerExternalId = record.Text("customer_external_id"),
            OccurredAt = record.Text("occurred_at"),
            Type = record.Text("type"),
            Currency = record.Text("currency"),
            Amount = record.Number("amount", "'amount' must be a decimal number such as 12.50."),
            Cost = record.Number("cost", "'cost' must be a decimal number such as 12.50."),
        };
    }
}
