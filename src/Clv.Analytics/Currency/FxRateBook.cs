namespace Clv.Analytics.Currency;

/// <summary>One currency's rate into the reporting currency, as of a day.</summary>
/// <param name="Currency">ISO 4217 code.</param>
/// <param name="Date">The day the rate is for.</param>
/// <param name="RateToReporting">Reporting-currency units per unit of the currency.</param>
public readonly record struct FxRate(string Currency, DateOnly Date, decimal RateToReporting);

/// <summary>
/// Finds the rate that converts an amount: the latest rate of its currency on or before its day,
/// at most <see cref="MaxAgeDays"/> days older.
/// </summary>
public sealed class FxRateBook(int maxAgeDays)
{
    private readonly Dictionary<string, List<FxRate>> _byCurrency = new(StringComparer.Ordinal);

    /// <summary>How many days a rate may be older than the day it converts.</summary>
    public int MaxAgeDays { get; } = maxAgeDays;

    /// <summary>Whether the rates of this currency have been added (possibly none exist).</summary>
    public bool Has(string currency) => _byCurrency.ContainsKey(currency);

    /// <summary>Adds every rate of one currency, replacing what the book held for it.</summary>
    public void Set(string currency, IEnumerable<FxRate> rates) =>
        _byCurrency[currency] = rates.Where(r => r.Currency == currency).OrderBy(r => r.Date).ToList();

    /// <summary>The rate for an amount in <paramref name="currency"/> on <paramref name="day"/>, or null when none is recent enough.</summary>
    public FxRate? Find(string currency, DateOnly day)
    {
        if (!_byCurrency.TryGetValue(currency, out var rates))
        {
            return null;
        }

        // The last rate dated on or before the day.
        int lo = 0, hi = rates.Count - 1, found = -1;
        while (lo <= hi)
        {
            var mid = (lo + hi) / 2;
            if (rates[mid].Date <= day)
            {
                found = mid;
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }

        return found >= 0 && day.DayNumber - rates[found].Date.DayNumber <= MaxAgeDays ? rates[found] : null;
    }

    /// <summary>Converts to the reporting currency, rounded to 4 decimals half away from zero.</summary>
    public static decimal Convert(decimal amount, FxRate rate) =>
        Math.Round(amount * rate.RateToReporting, 4, MidpointRounding.AwayFromZero);
}
