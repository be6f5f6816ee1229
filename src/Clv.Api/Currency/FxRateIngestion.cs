using Clv.Analytics.Currency;
using Clv.Api.Observability;
using Clv.Api.Requests;
using Clv.Data.Currency;
using FluentValidation;

namespace Clv.Api.Currency;

/// <summary>Validates daily rates and upserts the valid ones.</summary>
public sealed class FxRateIngestion(FxRateStore store, IValidator<FxRateItem> validator, TimeProvider time, ClvMetrics metrics)
{
    /// <summary>
    /// Upserts a batch; a later item repeating a currency and date of the batch is rejected (which
    /// of two rates for one day holds would depend on the order). Atomic, any invalid item rejects
    /// the batch.
    /// </summary>
    public async Task<FxRatesResponse> IngestAsync(IReadOnlyList<FxRateItem?> items, bool atomic, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(items);
        ItemErrors.ThrowIfTooMany(items.Count);
        var errors = new ItemErrors();
        var first = new Dictionary<(string, DateOnly), int>();
        var rates = new List<FxRate>(items.Count);
        foreach (var (index, rate) in errors.ValidateAll(items, validator, ToRate))
        {
            if (!first.TryAdd((rate.Currency, rate.Date), index))
            {
                errors.Reject([new ItemError { Index = index, Field = "date", Message = $"Repeats the currency and date of item {first[(rate.Currency, rate.Date)]} in this batch." }]);
                continue;
            }

            rates.Add(rate);
        }

        metrics.ItemsRejected(ClvMetrics.Kinds.FxRates, errors.Rejected);
        errors.ThrowIfAtomicAndRejected(atomic);
        var counts = await store.UpsertAsync(rates, time.GetUtcNow(), cancellationToken);
        metrics.RowsIngested(ClvMetrics.Kinds.FxRates, counts.Created + counts.Updated);
        return new FxRatesResponse { Created = (int)counts.Created, Updated = (int)counts.Updated, Unchanged = (int)counts.Unchanged, Rejected = (int)errors.Rejected, ErrorsTruncated = errors.Truncated, Errors = errors.Errors };
    }

    private static FxRate ToRate(FxRateItem item) =>
        new(item.Currency!.ToUpperInvariant(), IsoDateTime.TryParseDate(item.Date, out var date) ? date : throw new InvalidOperationException("Map only validated items."), item.RateToReporting!.Value);
}
