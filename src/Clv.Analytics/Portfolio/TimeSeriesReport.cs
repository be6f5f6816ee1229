using Clv.Analytics.Cohorts;

namespace Clv.Analytics.Portfolio;

/// <summary>The metrics a time series can show.</summary>
public enum TimeSeriesMetric
{
    /// <summary>Customers with a purchase in the period.</summary>
    ActiveCustomers,

    /// <summary>Customers acquired in the period.</summary>
    NewCustomers,

    /// <summary>Customers not churned at the period's start who became churned during it.</summary>
    ChurnedCustomers,

    /// <summary>churnedCustomers ÷ customers not churned at the period's start.</summary>
    ChurnRate,

    /// <summary>Of the customers active in the previous period, the share active in this one.</summary>
    RetentionRate,

    /// <summary>Purchases − refunds in the period.</summary>
    NetRevenue,

    /// <summary>Σ purchase amounts ÷ purchases in the period.</summary>
    AverageOrderValue,

    /// <summary>Acquisition spend falling in the period, prorated by days.</summary>
    Spend,

    /// <summary>spend ÷ newCustomers.</summary>
    Cac,

    /// <summary>The NPS of the NPS answers given in the period: 100 × (promoters − detractors) ÷ answers.</summary>
    Nps,

    /// <summary>The CSAT of the CSAT answers given in the period: answers of 4 or 5 ÷ answers.</summary>
    Csat,

    /// <summary>Monthly recurring revenue: the monthly-equivalent amount (a yearly amount ÷ 12) of the subscriptions active at the period's end.</summary>
    Mrr,

    /// <summary>Subscriptions active at the period's end: started on or before its last day, not ended on or before it.</summary>
    ActiveSubscriptions,

    /// <summary>Subscriptions started in the period.</summary>
    NewSubscriptions,

    /// <summary>Subscriptions ended in the period.</summary>
    CancelledSubscriptions,

    /// <summary>cancelledSubscriptions ÷ subscriptions active at the period's start (started before its first day, not ended before it).</summary>
    SubscriptionChurnRate,
}

/// <summary>One point of a series: a period and the metric's value in it (null where undefined).</summary>
public sealed record TimeSeriesPoint(string Period, DateOnly Start, DateOnly End, decimal? Value);

/// <summary>The points of one group.</summary>
public sealed record TimeSeries(string Key, List<TimeSeriesPoint> Points);

/// <summary>Metrics per calendar period (and per group), as of the states' day.</summary>
public static class TimeSeriesReport
{
    /// <summary>
    /// The series of <paramref name="metric"/> for every period from the one holding
    /// <paramref name="from"/> to the one holding <paramref name="to"/>; activity after the
    /// states' cutoff and reference day is left out, so the last period may be partial. One pass
    /// over the customers' days: a period's churn is read off each customer's alive spells.
    /// </summary>
    public static List<TimeSeries> Compute(
        CustomerStates states, Grouping grouping, TimeSeriesMetric metric, CalendarPeriod period, DateOnly from, DateOnly to, PortfolioSettings settings)
    {
        ArgumentNullException.ThrowIfNull(states);
        ArgumentNullException.ThrowIfNull(grouping);
        ArgumentNullException.ThrowIfNull(settings);
        if (OnlyInDatabase(metric))
        {
            throw new ArgumentException("The facts hold no survey answers or subscriptions: their series are computed in PostgreSQL only.", nameof(metric));
        }

        var facts = states.Facts;
        var lastDay = Math.Min(states.Cutoff, states.Reference);
        // Index 0 is the period before the first shown: retention needs its actives.
        var first = CalendarPeriods.Start(from, period);
        var periods = new PeriodIndex(CalendarPeriods.Add(first, -1, period), to, period);
        var count = periods.Count;
        var groups = grouping.Names.Count;
        var numerator = new decimal[groups, count];
        var denominator = new decimal[groups, count];
        var used = new bool[groups];
        if (grouping.By == "all" && groups > 0)
        {
            used[0] = true; // the overall series exists even when nobody is counted
        }

        for (var i = 0; i < facts.Count; i++)
        {
            if (!states.Included[i])
            {
                continue;
            }

            var g = grouping.GroupOf[i];
            used[g] = true;
            switch (metric)
            {
                case TimeSeriesMetric.NewCustomers or TimeSeriesMetric.Cac:
                    var k = facts.AcquiredDay[i] == PortfolioFacts.NoDay || facts.AcquiredDay[i] > lastDay ? -1 : periods.Of(facts.AcquiredDay[i]);
                    if (k >= 0 && k < count)
                    {
                        (metric == TimeSeriesMetric.Cac ? denominator : numerator)[g, k]++;
                    }

                    break;
                case TimeSeriesMetric.ChurnedCustomers or TimeSeriesMetric.ChurnRate:
                    AddChurn(facts, i, g, periods, lastDay, settings.ChurnWindowDays, numerator, denominator);
                    break;
                case TimeSeriesMetric.Spend:
                    break; // money of the channel, added below; a customer only shows their group
                default:
                    AddDays(facts, i, g, metric, periods, lastDay, numerator, denominator);
                    break;
            }
        }

        // CAC of a period without any spend recorded over it is unknown, not zero.
        var recorded = metric == TimeSeriesMetric.Cac ? new bool[groups, count] : null;
        if (metric is TimeSeriesMetric.Spend or TimeSeriesMetric.Cac)
        {
            AddSpend(facts, grouping, metric, periods.Starts, lastDay, numerator, used, recorded);
        }

        var series = new List<TimeSeries>();
        for (var g = 0; g < groups; g++)
        {
            if (!used[g])
            {
                continue;
            }

            var points = new List<TimeSeriesPoint>(count - 1);
            for (var k = 1; k < count; k++)
            {
                points.Add(new TimeSeriesPoint(
                    CalendarPeriods.Label(DateOnly.FromDayNumber(periods.Starts[k]), period),
                    DateOnly.FromDayNumber(periods.Starts[k]),
                    DateOnly.FromDayNumber(periods.Starts[k + 1] - 1),
                    Value(metric, numerator[g, k], denominator[g, k], periods.Starts[k] > lastDay || recorded?[g, k] == false)));
            }

            series.Add(new TimeSeries(grouping.Names[g], points));
        }

        return series;
    }

    /// <summary>
    /// A point's value from its numerator and denominator: a rate (churn, retention, average order
    /// value, CAC, NPS, CSAT, subscription churn) is numerator ÷ denominator to 4 decimals, null without a denominator; spend
    /// and MRR are the numerator to 4 decimals; a count or sum is the numerator. CAC's denominator is new
    /// customers, its numerator spend. Unknown (null): a period after asOf, or CAC without spend
    /// recorded.
    /// </summary>
    public static decimal? Value(TimeSeriesMetric metric, decimal top, decimal bottom, bool unknown) => metric switch
    {
        _ when unknown => null,
        TimeSeriesMetric.ChurnRate or TimeSeriesMetric.RetentionRate or TimeSeriesMetric.AverageOrderValue or TimeSeriesMetric.Cac
            or TimeSeriesMetric.Nps or TimeSeriesMetric.Csat or TimeSeriesMetric.SubscriptionChurnRate =>
            bottom == 0 ? null : Math.Round(top / bottom, 4, MidpointRounding.AwayFromZero),
        TimeSeriesMetric.Spend or TimeSeriesMetric.Mrr => Math.Round(top, 4, MidpointRounding.AwayFromZero),
        _ => top,
    };

    /// <summary>Whether the metric is one of survey answers (NPS, CSAT), which only the database holds.</summary>
    public static bool IsFeedback(TimeSeriesMetric metric) => metric is TimeSeriesMetric.Nps or TimeSeriesMetric.Csat;

    /// <summary>Whether the metric is one of subscriptions (MRR, active, new and cancelled subscriptions, their churn rate).</summary>
    public static bool IsSubscription(TimeSeriesMetric metric) => metric is TimeSeriesMetric.Mrr or TimeSeriesMetric.ActiveSubscriptions
        or TimeSeriesMetric.NewSubscriptions or TimeSeriesMetric.CancelledSubscriptions or TimeSeriesMetric.SubscriptionChurnRate;

    /// <summary>Whether only the database holds the metric's facts (survey answers, subscriptions): neither the facts in memory nor the group rollup answer it.</summary>
    public static bool OnlyInDatabase(TimeSeriesMetric metric) => IsFeedback(metric) || IsSubscription(metric);

    // Active customers, retention (active in k − 1 and in k, over active in k − 1), net revenue
    // and average order value, from the customer's days.
    private static void AddDays(
        PortfolioFacts facts, int i, int g, TimeSeriesMetric metric, PeriodIndex periods, int lastDay, decimal[,] numerator, decimal[,] denominator)
    {
        var count = periods.Count;
        var lastActive = -2;
        for (var d = facts.DayStart[i]; d < facts.DayStart[i + 1] && facts.Day[d] <= lastDay; d++)
        {
            var k = periods.Of(facts.Day[d]);
            if (k < 0)
            {
                continue;
            }

            if (k >= count)
            {
                break;
            }

            switch (metric)
            {
                case TimeSeriesMetric.NetRevenue:
                    numerator[g, k] += facts.NetRevenue[d];
                    break;
                case TimeSeriesMetric.AverageOrderValue:
                    numerator[g, k] += facts.GrossRevenue[d];
                    denominator[g, k] += facts.PurchaseCount[d];
                    break;
                default:
                    if (facts.PurchaseCount[d] == 0 || k == lastActive)
                    {
                        break;
                    }

                    if (metric == TimeSeriesMetric.ActiveCustomers)
                    {
                        numerator[g, k]++;
                    }
                    else
                    {
                        // Retention: counted in k + 1's denominator, and in k's numerator when k − 1 was active too.
                        if (k + 1 < count)
                        {
                            denominator[g, k + 1]++;
                        }

                        if (lastActive == k - 1)
                        {
                            numerator[g, k]++;
                        }
                    }

                    lastActive = k;
                    break;
            }
        }
    }

    // A customer is alive on day X while X − (last purchase, or acquisition, on or before X) is
    // less than the window: spells [first reference, last reference + window − 1]. A period's
    // denominator counts the customers alive on its eve; its numerator those whose spell, alive on
    // the eve, ends within it (churned on the day after the spell).
    private static void AddChurn(
        PortfolioFacts facts, int i, int g, PeriodIndex periods, int lastDay, int window, decimal[,] numerator, decimal[,] denominator)
    {
        var acquired = facts.AcquiredDay[i];
        if (acquired == PortfolioFacts.NoDay)
        {
            return;
        }

        var spellStart = acquired;
        var lastReference = acquired;
        for (var d = facts.DayStart[i]; d <= facts.DayStart[i + 1]; d++)
        {
            var end = d == facts.DayStart[i + 1] || facts.Day[d] > lastDay;
            if (!end && (facts.PurchaseCount[d] == 0 || facts.Day[d] < acquired))
            {
                continue;
            }

            if (!end && facts.Day[d] <= lastReference + window)
            {
                lastReference = Math.Max(lastReference, facts.Day[d]);
                continue;
            }

            Spell(g, periods, spellStart, lastReference + window - 1, lastDay, numerator, denominator);
            if (end)
            {
                return;
            }

            spellStart = lastReference = facts.Day[d];
        }
    }

    private static void Spell(int g, PeriodIndex periods, int start, int end, int lastDay, decimal[,] numerator, decimal[,] denominator)
    {
        // Periods whose eve (first day − 1) lies in [start, end].
        var count = periods.Count;
        var k = Math.Max(0, periods.Of(start + 1));
        if (k < count && periods.Starts[k] - 1 < start)
        {
            k++;
        }

        for (; k < count && periods.Starts[k] - 1 <= end && periods.Starts[k] <= lastDay; k++)
        {
            denominator[g, k]++;
        }

        var churnDay = end + 1;
        if (churnDay <= lastDay)
        {
            var p = periods.Of(churnDay);
            if (p >= 0 && p < count && periods.Starts[p] - 1 >= start)
            {
                numerator[g, p]++;
            }
        }
    }
    private static void AddSpend(PortfolioFacts facts, Grouping grouping, TimeSeriesMetric metric, int[] starts, int lastDay, decimal[,] numerator, bool[] used, bool[,]? recorded)
    {
        var byName = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var g = 0; g < grouping.Names.Count; g++)
        {
            byName[grouping.Names[g]] = g;
        }

        foreach (var s in facts.Spend)
        {
            var g = grouping.By switch
            {
                "all" => 0,
                "acquisitionChannel" => byName.GetValueOrDefault(s.Channel, -1),
                _ => -1,
            };
            if (g < 0)
            {
                continue;
            }

            used[g] |= metric == TimeSeriesMetric.Spend;
            for (var k = 0; k + 1 < starts.Length && starts[k] <= lastDay; k++)
            {
                var periodLast = Math.Min(starts[k + 1] - 1, lastDay);
                numerator[g, k] += CustomerActivity.ProratedSpend(s, starts[k], periodLast);
                if (recorded is not null)
                {
                    recorded[g, k] |= CustomerActivity.Overlaps(s, starts[k], periodLast);
                }
            }
        }
    }
}
