using Clv.Analytics.Currency;
using Clv.Data.Currency;
using Clv.Data.Infrastructure;
using Microsoft.Extensions.Options;

namespace Clv.Api.Ingestion;

/// <summary>
/// Converts amounts sent in another currency into the reporting currency at ingest, with the
/// latest rate of that currency on or before their day, at most <c>Clv:FxMaxAgeDays</c> older.
/// The converted amount is stored; rates posted later do not change it. One per request: each
/// currency's rates are read once.
/// </summary>
public sealed class CurrencyConverter(FxRateStore store, IOptions<ClvOptions> options)
{
    private readonly FxRateBook _book = new(options.Value.FxMaxAgeDays);

    /// <summary>The reporting currency.</summary>
    public string Reporting => options.Value.ReportingCurrency;

    /// <summary>
    /// <paramref name="amount"/>, sent in <paramref name="currency"/> for <paramref name="day"/>, in the
    /// reporting currency: as sent when already in it, else converted, keeping what was sent. Without
    /// a recent enough rate, no amount and the error for the item's <c>currency</c> field, naming the
    /// currency and the day; when the converted amount is 10^15 or more, the error for its
    /// <c>amount</c> field (<see cref="TooLarge"/>).
    /// </summary>
    public async Task<(ReportingAmount? Amount, string? Field, string? Error)> ConvertAsync(decimal amount, string currency, DateOnly day, CancellationToken cancellationToken)
    {
        if (currency == Reporting)
        {
            return (new ReportingAmount(amount, currency, null, null, null), null, null);
        }

        await store.LoadAsync(_book, currency, cancellationToken);
        if (_book.Find(currency, day) is not { } rate)
        {
            return (null, "currency", $"No {currency} to {Reporting} rate on {day:yyyy-MM-dd} or in the {_book.MaxAgeDays} days before; post one to /api/v1/fx-rates.");
        }

        var converted = FxRateBook.Convert(amount, rate);
        return TooLarge(converted)
            ? (null, "amount", TooLargeMessage("amount", converted, rate))
            : (new ReportingAmount(converted, Reporting, amount, currency, rate), null, null);
    }

    /// <summary>
    /// True for a converted amount that no money column holds: each amount sent is below 10^15, but at
    /// a rate above 1 it may not be once converted, and the write then failed as a whole (422 "Amounts too large").
    /// </summary>
    public static bool TooLarge(decimal? converted) => converted >= ColumnLimits.MoneyBound;

    /// <summary>Why <paramref name="field"/>, converted to <paramref name="converted"/> at <paramref name="rate"/>, is refused.</summary>
    public string TooLargeMessage(string field, decimal converted, FxRate rate) =>
        $"'{field}' is {converted} {Reporting} at the {rate.Currency} rate of {rate.Date:yyyy-MM-dd}; an amount must be below 10^15 in the reporting currency.";
}

/// <summary>An amount in the reporting currency; when it was converted, also the amount and currency sent and the rate.</summary>
/// <param name="Amount">The amount in the reporting currency.</param>
/// <param name="Currency">The reporting currency.</param>
/// <param name="OriginalAmount">The amount sent, when converted.</param>
/// <param name="OriginalCurrency">The currency sent, when converted.</param>
/// <param name="Rate">The rate converted at, when converted.</param>
public readonly record struct ReportingAmount(decimal Amount, string Currency, decimal? OriginalAmount, string? OriginalCurrency, FxRate? Rate)
{
    /// <summary>The rate to the reporting currency, when converted.</summary>
    public decimal? RateToReporting => Rate?.RateToReporting;

    /// <summary>Another amount of the same item (a cost) at the same rate; as sent when not converted.</summary>
    public decimal? AtSameRate(decimal? sent) => sent is { } value && Rate is { } rate ? FxRateBook.Convert(value, rate) : sent;

    /// <summary>Another amount of the same item as sent, kept when converted; null otherwise.</summary>
    public decimal? OriginalOf(decimal? sent) => Rate is null ? null : sent;
}
