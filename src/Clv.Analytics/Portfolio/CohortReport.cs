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
        var lastDay = Math.Min(states.Cutoff, states.Reference);
        var asOf = DateOnly.FromDayNumber(lastDay);
        var channelIndex = channel is null ? -2 : Array.IndexOf(facts.Channels, channel);
        var periods = new PeriodIndex(facts.FirstDay is { } firstDay && firstDay < asOf ? firstDay : asOf, asOf, period);
        var count = periods.Count;
        var sizes = new int[count];
        var active = new int[count, count];
        var net = new decimal[count, count];
        var lastPurchase = new int[count, count + 1]; // column count: never purchased
        for (var i = 0; i < facts.Count; i++)
        {
            var acquired = facts.AcquiredDay[i];
            if (!states.Included[i] || acquired == PortfolioFacts.NoDay || acquired < from.DayNumber || acquired > to.DayNumber || acquired > lastDay
                || (channelIndex != -2 && facts.Channel[i] != channelIndex))
            {
                continue;
            }

            var cohort = periods.Of(acquired);
            sizes[cohort]++;
            var counted = -1;
            for (var d = facts.DayStart[i]; d < facts.DayStart[i + 1] && facts.Day[d] <= lastDay; d++)
            {
                var p = periods.Of(facts.Day[d]);
                if (p < 0)
                {
                    continue;
                }

                net[cohort, p] += facts.NetRevenue[d];
                if (facts.PurchaseCount[d] > 0 && counted != p)
                {
                    active[cohort, p]++;
                    counted = p;
                }
            }

            lastPurchase[cohort, counted < 0 ? count : counted]++;
        }

        var cohortSizes = new Dictionary<DateOnly, int>();
        var activity = new List<CohortActivity>();
        var lastPurchases = new List<CohortLastPurchase>();
        for (var c = 0; c < count; c++)
        {
            if (sizes[c] == 0)
            {
                continue;
            }

            var cohortStart = DateOnly.FromDayNumber(periods.Starts[c]);
            cohortSizes[cohortStart] = sizes[c];
            for (var p = c; p < count; p++)
            {
                var periodStart = DateOnly.FromDayNumber(periods.Starts[p]);
                activity.Add(new CohortActivity(cohortStart, periodStart, active[c, p], net[c, p]));
                lastPurchases.Add(new CohortLastPurchase(cohortStart, periodStart, lastPurchase[c, p]));
            }
        }

        return CohortMatrix.Build(cohortSizes, activity, lastPurchases, asOf, period, onOrAfter);
    }
}
