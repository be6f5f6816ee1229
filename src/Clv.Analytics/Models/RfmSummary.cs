namespace Clv.Analytics.Models;

/// <summary>The unit in which model times (recency, age, horizons) are expressed.</summary>
public enum TimeUnit
{
    /// <summary>Calendar days.</summary>
    Days,

    /// <summary>Weeks of 7 days, fractional.</summary>
    Weeks,

    /// <summary>Months of 365.25/12 days; calendar months for a discrete-opportunity model (BG/BB).</summary>
    Months,

    /// <summary>Years of 365.25 days; calendar years for a discrete-opportunity model (BG/BB).</summary>
    Years,
}

/// <summary>One calendar day on which a customer bought, with the day's net value.</summary>
/// <param name="Day">The calendar day of the purchase(s).</param>
/// <param name="NetValue">The net value bought that day.</param>
public readonly record struct PurchaseDay(DateOnly Day, decimal NetValue);

/// <summary>A customer's calibration-period summary, the input of the purchase and spend models.</summary>
/// <param name="Frequency">x: distinct purchase days minus one.</param>
/// <param name="Recency">t_x: time from the first to the last purchase day.</param>
/// <param name="Age">T: time from the first purchase day to the end of calibration.</param>
/// <param name="MonetaryValue">Mean net value of the repeat purchase days (the first day excluded); 0 when x = 0.</param>
public readonly record struct RfmSummary(double Frequency, double Recency, double Age, decimal MonetaryValue)
{
    /// <summary>The customer's recency-frequency pattern with weight 1.</summary>
    public RfmPattern ToPattern() => new(Frequency, Recency, Age, 1.0);

    /// <summary>The customer's spend observation with weight 1.</summary>
    public SpendPattern ToSpendPattern() => new(Frequency, (double)MonetaryValue, 1.0);
}

/// <summary>Builds customer summaries from purchase days.</summary>
public static class RfmSummaryBuilder
{
    /// <summary>Days in one unit of <paramref name="unit"/>.</summary>
    /// <param name="unit">The time unit.</param>
    public static double DaysPer(TimeUnit unit) => unit switch
    {
        TimeUnit.Days => 1.0,
        TimeUnit.Weeks => 7.0,
        TimeUnit.Months => 365.25 / 12,
        TimeUnit.Years => 365.25,
        _ => throw new ArgumentOutOfRangeException(nameof(unit), unit, "Unknown time unit."),
    };

    /// <summary>
    /// Summarises one customer's purchase days up to and including <paramref name="end"/>. Several entries
    /// on one day count as one purchase day with their values summed; days after the end are ignored.
    /// </summary>
    /// <param name="purchaseDays">The customer's purchase days, in any order.</param>
    /// <param name="end">E, the last day of the calibration period (inclusive).</param>
    /// <param name="unit">The time unit of recency and age.</param>
    /// <returns>The summary, or null when the customer made no purchase on or before the end.</returns>
    public static RfmSummary? Build(IEnumerable<PurchaseDay> purchaseDays, DateOnly end, TimeUnit unit)
    {
        ArgumentNullException.ThrowIfNull(purchaseDays);
        var byDay = new SortedDictionary<DateOnly, decimal>();
        foreach (var p in purchaseDays)
        {
            if (p.Day > end)
            {
                continue;
            }

            byDay[p.Day] = byDay.TryGetValue(p.Day, out var v) ? v + p.NetValue : p.NetValue;
        }

        if (byDay.Count == 0)
        {
            return null;
        }

        DateOnly first = default, last = default;
        decimal repeatTotal = 0;
        var n = 0;
        foreach (var (day, value) in byDay)
        {
            if (n == 0)
            {
                first = day;
            }
            else
            {
                repeatTotal += value;
            }

            last = day;
            n++;
        }

        var daysPerUnit = DaysPer(unit);
        var frequency = n - 1;
        return new RfmSummary(
            frequency,
            (last.DayNumber - first.DayNumber) / daysPerUnit,
            (end.DayNumber - first.DayNumber) / daysPerUnit,
            frequency > 0 ? repeatTotal / frequency : 0m);
    }
}
