using Clv.Analytics.Cohorts;

namespace Clv.Analytics.Portfolio;

/// <summary>The cohort matrix from the portfolio facts.</summary>
public static class CohortReport
{
    /// <summary>
    /// Cohorts by the period of acquisition between <paramref name="from"/> and <paramref name="to"/>
    /// (of the customer's acquisition day), with their activity up to the states' cutoff.
    /// </summary>
    /// <param name="states">The states whose included customers and cutoff count.</param>
    /// <param name="period">Months or quarters.</param>
    /// <param name="from">First acquisition day.</param>
    /// <param name="to">Last acquisition day.</param>
    /// <param name="channel">Only this acquisition channel (<c>unattributed</c> for none), or all.</param>
    /// <param name="onOrAfter">Count a customer as retained in k when they purchased in k or later.</param>
    public static List<CohortRow> Compute(CustomerStates states, CalendarPeriod period, DateOnly from, DateOnly to, string? channel, bool onOrAfter)
    {
        ArgumentNullException.ThrowIfNull(states);
        var facts = states.Facts;
        var channelIndex = channel is null ? -2 : Array.IndexOf(facts.Channels, channel);
        var sizes = new Dictionary<DateOnly, int>();
        var activity = new Dictionary<(DateOnly Cohort, DateOnly Period), (int Active, decimal Net)>();
        var lastPurchases = new Dictionary<(DateOnly Cohort, DateOnly? Period), int>();
        var lastDay = Math.Min(states.Cutoff, states.Reference);
        for (var i = 0; i < facts.Count; i++)
        {
            var acquired = facts.AcquiredDay[i];
            if (!states.Included[i] || acquired == PortfolioFacts.NoDay || acquired < from.DayNumber || acquired > to.DayNumber
                || (channelIndex != -2 && facts.Channel[i] != channelIndex))
            {
                continue;
            }

            var cohort = CalendarPeriods.Start(DateOnly.FromDayNumber(acquired), period);
            sizes[cohort] = sizes.GetValueOrDefault(cohort) + 1;
            DateOnly? counted = null;
            for (var d = facts.DayStart[i]; d < facts.DayStart[i + 1] && facts.Day[d] <= lastDay; d++)
            {
                var p = CalendarPeriods.Start(DateOnly.FromDayNumber(facts.Day[d]), period);
                var cell = activity.GetValueOrDefault((cohort, p));
                var purchased = facts.PurchaseCount[d] > 0;
                var first = purchased && counted != p;
                activity[(cohort, p)] = (cell.Active + (first ? 1 : 0), cell.Net + facts.NetRevenue[d]);
                if (purchased)
                {
                    counted = p;
                }
            }

            lastPurchases[(cohort, counted)] = lastPurchases.GetValueOrDefault((cohort, counted)) + 1;
        }

        return CohortMatrix.Build(
            sizes,
            activity.Select(a => new CohortActivity(a.Key.Cohort, a.Key.Period, a.Value.Active, a.Value.Net)),
            lastPurchases.Select(l => new CohortLastPurchase(l.Key.Cohort, l.Key.Period, l.Value)),
            DateOnly.FromDayNumber(Math.Min(lastDay, states.Reference)),
            period,
            onOrAfter);
    }
}
