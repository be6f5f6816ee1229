using Clv.Api.Ingestion;
using Clv.Api.Observability;
using Clv.Api.Requests;
using Clv.Data;
using Clv.Data.Feedback;
using Clv.Data.Ingestion;
using FluentValidation;

namespace Clv.Api.Feedback;

/// <summary>
/// Validates NPS and CSAT answers, JSON or CSV, and hands the valid ones to the writer. A JSON
/// request is one database transaction; a CSV import is one per chunk of <see cref="CsvChunkRows"/>
/// rows, or one for the whole file when atomic.
/// </summary>
public sealed class FeedbackIngestion(ClvDbContext db, FeedbackWriter writer, IValidator<FeedbackItem> validator, TimeProvider time, ClvMetrics metrics)
{
    /// <summary>Rows of a CSV import written per database transaction.</summary>
    public const int CsvChunkRows = 10_000;

    private static readonly CsvItemColumns<FeedbackItem> Csv = new(["external_id", "customer_external_id", "answered_at", "kind", "score"], optional: ["comment"]);

    /// <summary>Ingests a JSON batch.</summary>
    public async Task<FeedbackIngestResponse> IngestAsync(IReadOnlyList<FeedbackItem?> items, bool atomic, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(items);
        ItemErrors.ThrowIfTooMany(items.Count);
        var errors = new ItemErrors();
        var rows = errors.ValidateAll(items, validator, ToRow).ConvertAll(r => r.Row);
        metrics.ItemsRejected(ClvMetrics.Kinds.Feedback, errors.Rejected);
        errors.ThrowIfAtomicAndRejected(atomic);
        var counts = await writer.WriteAsync(rows, time.GetUtcNow(), cancellationToken);
        metrics.RowsIngested(ClvMetrics.Kinds.Feedback, counts.Created);
        return Respond(items.Count, counts, errors);
    }

    /// <summary>Ingests a CSV body, streamed: memory stays flat however long the file is.</summary>
    public async Task<FeedbackIngestResponse> ImportCsvAsync(Stream body, bool atomic, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(body);
        var errors = new ItemErrors();
        long received = 0, created = 0, existing = 0;
        var transaction = atomic ? await db.Database.BeginTransactionAsync(cancellationToken) : null;
        try
        {
            using var csv = await CsvRecords.OpenAsync(body, cancellationToken);
            var fields = new List<string>();
            var columns = await Csv.ReadHeaderAsync(csv, cancellationToken);
            var chunk = new List<FeedbackRow>(CsvChunkRows);
            async Task FlushAsync()
            {
                // Atomic mode reads on to report every error, but writes nothing after the first.
                if (chunk.Count > 0 && !(atomic && errors.Rejected > 0))
                {
                    var counts = await writer.WriteAsync(chunk, time.GetUtcNow(), cancellationToken);
                    (created, existing) = (created + counts.Created, existing + counts.Existing);
                }

                chunk.Clear();
            }

            while (await csv.ReadAsync(cancellationToken))
            {
                if (csv.IsBlank)
                {
                    continue;
                }

                received++;
                csv.CopyFieldsTo(fields);
                var record = new CsvItemFields(fields, columns);
                if (Csv.Validate(ToItem(record), record.NumberErrors, validator, csv.Line, errors) is { } item)
                {
                    chunk.Add(ToRow(item));
                }

                if (chunk.Count == CsvChunkRows)
                {
                    await FlushAsync();
                }
            }

            await FlushAsync();
            errors.ThrowIfAtomicAndRejected(atomic);
            if (transaction is not null)
            {
                await transaction.CommitAsync(cancellationToken);
            }
        }
        finally
        {
            metrics.ItemsRejected(ClvMetrics.Kinds.Feedback, errors.Rejected);
            if (transaction is not null)
            {
                await transaction.DisposeAsync();
            }
        }

        metrics.RowsIngested(ClvMetrics.Kinds.Feedback, created);
        return Respond(received, new WriteCounts(created, existing), errors);
    }

    // The item of a CSV record, before validation.
    private static FeedbackItem ToItem(CsvItemFields record) => new()
    {
        ExternalId = record.Text("external_id"),
        CustomerExternalId = record.Text("customer_external_id"),
        AnsweredAt = record.Text("answered_at"),
        Kind = record.Text("kind"),
        Score = record.Number("score", "'score' must be an integer."),
        Comment = record.Text("comment"),
    };

    private static FeedbackIngestResponse Respond(long received, WriteCounts counts, ItemErrors errors) => new()
    {
        Received = received,
        Inserted = counts.Created,
        Duplicates = counts.Existing,
        Rejected = errors.Rejected,
        Errors = errors.Errors,
        ErrorsTruncated = errors.Truncated,
    };

    /// <summary>The row of a validated item.</summary>
    internal static FeedbackRow ToRow(FeedbackItem item) => new(
        item.ExternalId!,
        item.CustomerExternalId!,
        IsoDateTime.TryParse(item.AnsweredAt, out var at) ? at : throw new InvalidOperationException("Map only validated items."),
        item.Kind == "csat" ? FeedbackKind.Csat : FeedbackKind.Nps,
        (short)item.Score!.Value,
        item.Comment);
}
