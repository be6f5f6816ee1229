namespace Clv.Analytics.Cohorts;

/// <summary>The calendar periods cohorts, retention and time series are counted in.</summary>
public enum CalendarPeriod
{
    /// <summary>Calendar months.</summary>
    Month,

    /// <summary>Calendar quarters.</summary>
    Quarter,

    /// <summary>Calendar years.</summary>
    Year,
}

/// <summary>Calendar arithmetic on period start dates.</summary>
public static class CalendarPeriods
{
    /// <summary>The first day of the period that holds <paramref name="day"/>.</summary>
    public static DateOnly Start(DateOnly day, CalendarPeriod period) => period switch
    {
        CalendarPeriod.Quarter => new DateOnly(day.Year, ((day.Month - 1) / 3 * 3) + 1, 1),
        CalendarPeriod.Year => new DateOnly(day.Year, 1, 1),
        _ => new DateOnly(day.Year, day.Month, 1),
    };

    /// <summary>Whole periods from the period of <paramref name="from"/> to that of <paramref name="to"/>.</summary>
    public static int Between(DateOnly from, DateOnly to, CalendarPeriod period)
    {
        var (a, b) = (Start(from, period), Start(to, period));
        var months = ((b.Year - a.Year) * 12) + (b.Month - a.Month);
        return period switch
        {
            CalendarPeriod.Quarter => months / 3,
            CalendarPeriod.Year => months / 12,
            _ => months,
        };
    }

    /// <summary>The first day of the period <paramref name="count"/> periods after the one starting at <paramref name="start"/>.</summary>
    public static DateOnly Add(DateOnly start, int count, CalendarPeriod period) => period switch
    {
        CalendarPeriod.Quarter => start.AddMonths(3 * count),
        CalendarPeriod.Year => start.AddYears(count),
        _ => start.AddMonths(count),
    };

    /// <summary>Parses month, quarter or year.</summary>
    public static CalendarPeriod? Parse(string? name) => name switch
    {
        "month" => CalendarPeriod.Month,
        "quarter" => CalendarPeriod.Quarter,
        "year" => CalendarPeriod.Year,
        _ => null,
    };

    /// <summary>The label of a period: <c>1997-01</c> for a month, <c>1997-Q1</c> for a quarter, <c>1997</c> for a year.</summary>
    public static string Label(DateOnly start, CalendarPeriod period) => period switch
    {
        CalendarPeriod.Quarter => $"{start.Year:D4}-Q{((start.Month - 1) / 3) + 1}",
        CalendarPeriod.Year => $"{start.Year:D4}",
        _ => $"{start.Year:D4}-{start.Month:D2}",
    };
}
