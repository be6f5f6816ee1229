using Clv.Analytics.Currency;
using Clv.Data.Currency;
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

    /// <summary>The rate for an amount in <paramref name="currency"/> on <paramref name="day"/>; an error naming both when there is none.</summary>
    public async Task<(FxRate? Rate, string? Error)> RateAsync(string currency, DateOnly day, CancellationToken cancellationToken)
    {
        await store.LoadAsync(_book, currency, cancellationToken);
        return _book.Find(currency, day) is { } rate
            ? (rate, null)
            : (null, $"No {currency} to {Reporting} rate on {day:yyyy-MM-dd} or in the {_book.MaxAgeDays} days before; post one to /api/v1/fx-rates.");
    }
}
