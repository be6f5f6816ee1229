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
    /// states' cutoff and reference day is left out, so the last period may be partial.
    /// </summary>
    public static List<TimeSeries> Compute(
        CustomerStates states, Grouping grouping, TimeSeriesMetric metric, CalendarPeriod period, DateOnly from, DateOnly to, PortfolioSettings settings)
    {
        ArgumentNullException.ThrowIfNull(states);
        ArgumentNullException.ThrowIfNull(grouping);
        ArgumentNullException.ThrowIfNull(settings);
        var facts = states.Facts;
        var first = CalendarPeriods.Start(from, period);
        var count = Math.Max(0, CalendarPeriods.Between(first, to, period) + 1);
        var starts = Enumerable.Range(0, count + 1).Select(k => CalendarPeriods.Add(first, k, period).DayNumber).ToArray();
        var lastDay = Math.Min(states.Cutoff, states.Reference);
        var groups = grouping.Names.Count;
        var values = new decimal?[groups, count];
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
            for (var k = 0; k < count; k++)
            {
                var (start, end) = (starts[k], Math.Min(starts[k + 1] - 1, lastDay));
                if (start > lastDay)
                {
                    break;
                }

                Add(facts, i, metric, start, end, period, settings, out var top, out var bottom);
                numerator[g, k] += top;
                denominator[g, k] += bottom;
            }
        }

        if (metric is TimeSeriesMetric.Spend or TimeSeriesMetric.Cac)
        {
            AddSpend(facts, grouping, metric, starts, lastDay, numerator, used);
        }

        var series = new List<TimeSeries>();
        for (var g = 0; g < groups; g++)
        {
            if (!used[g])
            {
                continue;
            }

            var points = new List<TimeSeriesPoint>(count);
            for (var k = 0; k < count; k++)
            {
                values[g, k] = Value(metric, numerator[g, k], denominator[g, k], starts[k] > lastDay);
                points.Add(new TimeSeriesPoint(
                    CalendarPeriods.Label(DateOnly.FromDayNumber(starts[k]), period),
                    DateOnly.FromDayNumber(starts[k]),
                    DateOnly.FromDayNumber(starts[k + 1] - 1),
                    values[g, k]));
            }

            series.Add(new TimeSeries(grouping.Names[g], points));
        }

        return series;
    }

    // A rate is numerator ÷ denominator; a count or sum is the numerator. CAC's denominator is
    // new customers, its numerator spend.
    private static decimal? Value(TimeSeriesMetric metric, decimal top, decimal bottom, bool future) => metric switch
    {
        _ when future => null,
        TimeSeriesMetric.ChurnRate or TimeSeriesMetric.RetentionRate or TimeSeriesMetric.AverageOrderValue or TimeSeriesMetric.Cac =>
            bottom == 0 ? null : Math.Round(top / bottom, 4, MidpointRounding.AwayFromZero),
        TimeSeriesMetric.Spend => Math.Round(top, 4, MidpointRounding.AwayFromZero),
        _ => top,
    };

    private static void Add(
        PortfolioFacts facts, int i, TimeSeriesMetric metric, int start, int end, CalendarPeriod period, PortfolioSettings settings, out decimal top, out decimal bottom)
    {
        (top, bottom) = (0m, 0m);
        var acquiredIn = facts.AcquiredDay[i] != PortfolioFacts.NoDay && facts.AcquiredDay[i] >= start && facts.AcquiredDay[i] <= end;
        switch (metric)
        {
            case TimeSeriesMetric.ActiveCustomers:
                top = CustomerActivity.PurchasedIn(facts, i, start, end) ? 1 : 0;
                break;
            case TimeSeriesMetric.NewCustomers:
                top = acquiredIn ? 1 : 0;
                break;
            case TimeSeriesMetric.Cac:
                bottom = acquiredIn ? 1 : 0;
                break;
            case TimeSeriesMetric.ChurnedCustomers:
            case TimeSeriesMetric.ChurnRate:
                var outcome = CustomerActivity.ChurnIn(facts, i, start, end, settings.ChurnWindowDays);
                top = outcome == ChurnOutcome.Churned ? 1 : 0;
                bottom = outcome == ChurnOutcome.NotAtRisk ? 0 : 1;
                break;
            case TimeSeriesMetric.RetentionRate:
                var (previousStart, previousEnd) = CustomerActivity.PreviousPeriod(start, period);
                if (CustomerActivity.PurchasedIn(facts, i, previousStart, previousEnd))
                {
                    bottom = 1;
                    top = CustomerActivity.PurchasedIn(facts, i, start, end) ? 1 : 0;
                }

                break;
            case TimeSeriesMetric.NetRevenue:
            case TimeSeriesMetric.AverageOrderValue:
                for (var d = facts.DayStart[i]; d < facts.DayStart[i + 1] && facts.Day[d] <= end; d++)
                {
                    if (facts.Day[d] >= start)
                    {
                        top += metric == TimeSeriesMetric.NetRevenue ? facts.NetRevenue[d] : facts.GrossRevenue[d];
                        bottom += facts.PurchaseCount[d];
                    }
                }

                break;
        }
    }

    private static void AddSpend(PortfolioFacts facts, Grouping grouping, TimeSeriesMetric metric, int[] starts, int lastDay, decimal[,] numerator, bool[] used)
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
                numerator[g, k] += CustomerActivity.ProratedSpend(s, starts[k], Math.Min(starts[k + 1] - 1, lastDay));
            }
        }
    }
}
