using Clv.Analytics.Cohorts;

namespace Clv.Analytics.Portfolio;

/// <summary>What happened to a customer's churn status over a period.</summary>
public enum ChurnOutcome
{
    /// <summary>Not acquired, or already churned, at the period's start: not counted.</summary>
    NotAtRisk,

    /// <summary>Not churned at the start, and not churned during the period.</summary>
    Stayed,

    /// <summary>Not churned at the start, and became churned during the period.</summary>
    Churned,
}

/// <summary>Per-customer questions over day ranges of the facts.</summary>
public static class CustomerActivity
{
    /// <summary>Whether customer i purchased on a day in [first, last].</summary>
    public static bool PurchasedIn(PortfolioFacts facts, int customer, int first, int last)
    {
        ArgumentNullException.ThrowIfNull(facts);
        for (var d = facts.DayStart[customer]; d < facts.DayStart[customer + 1] && facts.Day[d] <= last; d++)
        {
            if (facts.Day[d] >= first && facts.PurchaseCount[d] > 0)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Churn over the days [first, last]: a customer is churned on a day when the later of their
    /// last purchase and their acquisition is at least <paramref name="window"/> days before it.
    /// </summary>
    public static ChurnOutcome ChurnIn(PortfolioFacts facts, int customer, int first, int last, int window)
    {
        ArgumentNullException.ThrowIfNull(facts);
        var acquired = facts.AcquiredDay[customer];
        var eve = first - 1;
        var current = acquired != PortfolioFacts.NoDay && acquired <= eve ? acquired : PortfolioFacts.NoDay;
        var d = facts.DayStart[customer];
        var end = facts.DayStart[customer + 1];
        for (; d < end && facts.Day[d] <= eve; d++)
        {
            if (facts.PurchaseCount[d] > 0)
            {
                current = Math.Max(current, facts.Day[d]);
            }
        }

        if (current == PortfolioFacts.NoDay || acquired == PortfolioFacts.NoDay || acquired > eve || eve - current >= window)
        {
            return ChurnOutcome.NotAtRisk;
        }

        for (; d < end && facts.Day[d] <= last; d++)
        {
            if (facts.PurchaseCount[d] == 0)
            {
                continue;
            }

            if (facts.Day[d] - current > window)
            {
                return ChurnOutcome.Churned;
            }

            current = facts.Day[d];
        }

        return last - current >= window ? ChurnOutcome.Churned : ChurnOutcome.Stayed;
    }

    /// <summary>The last complete period on or before <paramref name="day"/>: its first and last day numbers.</summary>
    public static (int First, int Last) LastCompletePeriod(DateOnly day, CalendarPeriod period)
    {
        var start = CalendarPeriods.Start(day, period);
        var next = CalendarPeriods.Add(start, 1, period);
        if (next.DayNumber - 1 != day.DayNumber)
        {
            (start, next) = (CalendarPeriods.Add(start, -1, period), start);
        }

        return (start.DayNumber, next.DayNumber - 1);
    }

    /// <summary>The period before the one [first, last].</summary>
    public static (int First, int Last) PreviousPeriod(int first, CalendarPeriod period)
    {
        var start = DateOnly.FromDayNumber(first);
        return (CalendarPeriods.Add(start, -1, period).DayNumber, first - 1);
    }

    /// <summary>Whether a spend's period shares a day with [first, last].</summary>
    public static bool Overlaps(SpendFact spend, int first, int last) =>
        spend.PeriodStart.DayNumber <= last && spend.PeriodEnd.DayNumber >= first;

    /// <summary>
    /// The part of a spend falling in [first, last], prorated by days: amount × overlapping days / period days.
    /// </summary>
    public static decimal ProratedSpend(SpendFact spend, int first, int last)
    {
        var start = Math.Max(first, spend.PeriodStart.DayNumber);
        var end = Math.Min(last, spend.PeriodEnd.DayNumber);
        if (end < start)
        {
            return 0m;
        }

        var days = spend.PeriodEnd.DayNumber - spend.PeriodStart.DayNumber + 1;
        return end - start + 1 == days ? spend.Amount : spend.Amount * (end - start + 1) / days;
    }
}
