using Clv.Analytics.Models;

namespace Clv.Analytics.ModelRuns;

/// <summary>
/// The calendar periods a discrete-opportunity model counts in: days, weeks from Monday to Sunday,
/// calendar months or calendar years, numbered so that consecutive periods differ by one.
/// </summary>
public static class Opportunities
{
    /// <summary>The number of the period that holds <paramref name="day"/>.</summary>
    /// <remarks>Day 0 of <see cref="DateOnly.DayNumber"/>, 0001-01-01, is a Monday, so day numbers over 7 are Monday weeks.</remarks>
    public static long Period(DateOnly day, TimeUnit unit) => unit switch
    {
        TimeUnit.Days => day.DayNumber,
        TimeUnit.Weeks => day.DayNumber / 7,
        TimeUnit.Months => (day.Year * 12L) + day.Month - 1,
        TimeUnit.Years => day.Year,
        _ => throw new ArgumentOutOfRangeException(nameof(unit), unit, "Unknown time unit."),
    };

    /// <summary>The last period wholly on or before <paramref name="end"/> (inclusive): its own when <paramref name="end"/> is its last day.</summary>
    public static long LastWhole(DateOnly end, TimeUnit unit) =>
        end == DateOnly.MaxValue ? Period(end, unit) : Period(end.AddDays(1), unit) - 1;

    /// <summary>The last day of <paramref name="period"/>.</summary>
    public static DateOnly LastDay(long period, TimeUnit unit) => unit switch
    {
        TimeUnit.Days => DateOnly.FromDayNumber(checked((int)period)),
        TimeUnit.Weeks => DateOnly.FromDayNumber(checked((int)((period * 7) + 6))),
        TimeUnit.Months => new DateOnly(checked((int)(period / 12)), (int)(period % 12) + 1, 1).AddMonths(1).AddDays(-1),
        TimeUnit.Years => new DateOnly(checked((int)period), 12, 31),
        _ => throw new ArgumentOutOfRangeException(nameof(unit), unit, "Unknown time unit."),
    };
}
