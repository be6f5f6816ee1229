namespace Clv.Analytics.Cohorts;

/// <summary>The calendar period cohorts and their columns are counted in.</summary>
public enum CohortPeriod
{
    /// <summary>Calendar months.</summary>
    Month,

    /// <summary>Calendar quarters.</summary>
    Quarter,
}

/// <summary>Calendar arithmetic on period start dates.</summary>
public static class CohortPeriods
{
    /// <summary>The first day of the period that holds <paramref name="day"/>.</summary>
    public static DateOnly Start(DateOnly day, CohortPeriod period) => period switch
    {
        CohortPeriod.Quarter => new DateOnly(day.Year, ((day.Month - 1) / 3 * 3) + 1, 1),
        _ => new DateOnly(day.Year, day.Month, 1),
    };

    /// <summary>Whole periods from the period of <paramref name="from"/> to that of <paramref name="to"/>.</summary>
    public static int Between(DateOnly from, DateOnly to, CohortPeriod period)
    {
        var (a, b) = (Start(from, period), Start(to, period));
        var months = ((b.Year - a.Year) * 12) + (b.Month - a.Month);
        return period == CohortPeriod.Quarter ? months / 3 : months;
    }

    /// <summary>The label of a period: <c>1997-01</c> for a month, <c>1997-Q1</c> for a quarter.</summary>
    public static string Label(DateOnly start, CohortPeriod period) => period == CohortPeriod.Quarter
        ? $"{start.Year:D4}-Q{((start.Month - 1) / 3) + 1}"
        : $"{start.Year:D4}-{start.Month:D2}";
}
