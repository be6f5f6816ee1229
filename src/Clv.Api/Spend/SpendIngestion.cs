using Clv.Api.Ingestion;
using Clv.Api.Observability;
using Clv.Api.Requests;
using Clv.Data.Ingestion;
using FluentValidation;

namespace Clv.Api.Spend;

/// <summary>Validates spend rows, converts them to the reporting currency and upserts the valid ones.</summary>
public sealed class SpendIngestion(SpendWriter writer, IValidator<SpendItem> validator, CurrencyConverter converter, TimeProvider time, ClvMetrics metrics)
{
    /// <summary>Upserts a batch; a later item repeating a channel and period of the batch is rejected. Atomic, any invalid item rejects the batch.</summary>
    public async Task<SpendIngestResponse> IngestAsync(IReadOnlyList<SpendItem?> items, bool atomic, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(items);
        ItemErrors.ThrowIfTooMany(items.Count);
        var errors = new ItemErrors();
        var seen = new Dictionary<(string, DateOnly, DateOnly), int>();
        var rows = new List<SpendRow>(items.Count);
        foreach (var (index, sent) in errors.ValidateAll(items, validator, ToRow))
        {
            // Spend in another currency converts at the rate of its first day.
            var (money, field, error) = await converter.ConvertAsync(sent.Amount, sent.Currency, sent.PeriodStart, cancellationToken);
            if (money is not { } m)
            {
                errors.Reject([new ItemError { Index = index, Field = field!, Message = error! }]);
                continue;
            }

            var row = sent with
            {
                Amount = m.Amount,
                Currency = m.Currency,
                OriginalAmount = m.OriginalAmount,
                OriginalCurrency = m.OriginalCurrency,
                FxRate = m.RateToReporting,
            };
            if (!seen.TryAdd((row.Channel, row.PeriodStart, row.PeriodEnd), index))
            {
                errors.Reject([new ItemError { Index = index, Field = "channel", Message = $"Repeats the channel and period of item {seen[(row.Channel, row.PeriodStart, row.PeriodEnd)]} in this batch." }]);
                continue;
            }

            rows.Add(row);
        }

        metrics.ItemsRejected(ClvMetrics.Kinds.AcquisitionSpend, errors.Rejected);
        errors.ThrowIfAtomicAndRejected(atomic);
        var counts = await writer.UpsertAsync(rows, time.GetUtcNow(), cancellationToken);
        metrics.RowsIngested(ClvMetrics.Kinds.AcquisitionSpend, counts.Created + counts.Updated);
        return new SpendIngestResponse
        {
            Created = (int)counts.Created,
            Updated = (int)counts.Updated,
            Unchanged = (int)counts.Unchanged,
            Rejected = (int)errors.Rejected,
            ErrorsTruncated = errors.Truncated,
            Errors = errors.Errors,
        };
    }

    private static SpendRow ToRow(SpendItem item) => new(
        item.Channel!.Trim(),
        IsoDateTime.TryParseDate(item.PeriodStart, out var start) ? start : throw new InvalidOperationException("Map only validated items."),
        IsoDateTime.TryParseDate(item.PeriodEnd, out var end) ? end : throw new InvalidOperationException("Map only validated items."),
        item.Amount!.Value,
        item.Currency!.ToUpperInvariant());
}
