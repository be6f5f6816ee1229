using Clv.Analytics.Cohorts;

namespace Clv.Analytics.Portfolio;

/// <summary>What a segment report covers.</summary>
/// <param name="From">First day of the acquisition range for new customers, spend and CAC; null for all time.</param>
/// <param name="To">Last day of that range.</param>
/// <param name="Period">The period retention and churn are measured over: the last complete one.</param>
public sealed record SegmentQuery(DateOnly? From, DateOnly To, CalendarPeriod Period);

/// <summary>One segment's figures; money in the reporting currency, rates in [0, 1].</summary>
public sealed record SegmentFigures
{
    /// <summary>The segment key.</summary>
    public required string Key { get; init; }

    /// <summary>Customers acquired by the as-of date.</summary>
    public int Customers { get; init; }

    /// <summary>Customers with at least two purchase days.</summary>
    public int RepeatCustomers { get; init; }

    /// <summary>Customers acquired in [from, to].</summary>
    public int NewCustomers { get; init; }

    /// <summary>Customers with a purchase in the last complete period.</summary>
    public int ActiveCustomers { get; init; }

    /// <summary>Customers churned as of the as-of date (no purchase within the churn window).</summary>
    public int ChurnedCustomers { get; init; }

    /// <summary>Customers with P(alive) below the threshold in the active model run; null without a run.</summary>
    public int? ModelChurnedCustomers { get; init; }

    /// <summary>Share of customers with at least two purchase days.</summary>
    public double RepeatPurchaseRate { get; init; }

    /// <summary>Of the customers active in the period before the last complete one, the share active in it.</summary>
    public double? RetentionRate { get; init; }

    /// <summary>1 − retentionRate.</summary>
    public double? PeriodChurnRate { get; init; }

    /// <summary>Customers who became churned during the last complete period ÷ customers not churned at its start.</summary>
    public double? ChurnRate { get; init; }

    /// <summary>Mean historical CLV (net revenue) per customer.</summary>
    public decimal AvgHistoricalClv { get; init; }

    /// <summary>Median historical CLV.</summary>
    public decimal MedianHistoricalClv { get; init; }

    /// <summary>Mean predicted CLV over the customers the active run predicted; null without a run.</summary>
    public decimal? AvgPredictedClv { get; init; }

    /// <summary>Σ historical CLV.</summary>
    public decimal CustomerEquity { get; init; }

    /// <summary>Σ predicted CLV; null without a run.</summary>
    public decimal? PredictedCustomerEquity { get; init; }

    /// <summary>The segment's share of all net revenue; null when there is none.</summary>
    public decimal? RevenueShare { get; init; }

    /// <summary>Acquisition spend in [from, to], prorated by days; null where spend cannot be attributed.</summary>
    public decimal? Spend { get; init; }

    /// <summary>
    /// spend ÷ newCustomers; null without new customers, and null when no spend of the segment is
    /// recorded over [from, to]: its acquisition cost is unknown, not zero.
    /// </summary>
    public decimal? Cac { get; init; }

    /// <summary>Mean historical gross profit of the new customers ÷ CAC.</summary>
    public decimal? ClvToCac { get; init; }

    /// <summary>Mean predicted CLV of the new customers ÷ CAC; null without a run.</summary>
    public decimal? PredictedClvToCac { get; init; }

    /// <summary>First month m (1 = the acquisition month) at which the new customers' cumulative gross profit per customer reaches CAC.</summary>
    public int? PaybackMonths { get; init; }

    /// <summary>The CLV:CAC health band.</summary>
    public string? ClvToCacHealth { get; init; }

    /// <summary>The payback health band.</summary>
    public string? PaybackHealth { get; init; }

    /// <summary>Fewer customers than the minimum segment size.</summary>
    public bool SmallSample { get; init; }

    /// <summary>The inputs of the formula CLV (<see cref="FormulaClv"/>): ARPU per month, the monthly churn rate and their sums.</summary>
    public FormulaClvInputs Formula { get; init; } = FormulaClvInputs.None;
}

/// <summary>Segment figures over a grouping of the customers, as of the states' day.</summary>
public static class SegmentReport
{
    private const int MoneyDecimals = 4;

    /// <summary>Computes every group's figures, largest segment first.</summary>
    public static List<SegmentFigures> Compute(CustomerStates states, Grouping grouping, SegmentQuery query, PortfolioSettings settings)
    {
        ArgumentNullException.ThrowIfNull(states);
        ArgumentNullException.ThrowIfNull(grouping);
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(settings);
        var facts = states.Facts;
        var groups = grouping.Names.Count;
        var acc = new Accumulator[groups];
        for (var g = 0; g < groups; g++)
        {
            acc[g] = new Accumulator();
        }

        var reference = DateOnly.FromDayNumber(states.Reference);
        var activity = states.Activity(query.Period);
        var newFirst = query.From?.DayNumber ?? int.MinValue;
        var newLast = query.To.DayNumber;
        var (spend, recorded) = SpendByGroup(facts, grouping, newFirst, newLast);
        // Payback needs gross profit by month since acquisition, only where spend is attributed.
        var months = spend is null ? null : new PeriodIndex(facts.FirstDay ?? reference, reference, CalendarPeriod.Month);
        var formulaWindow = FormulaClv.Window(reference);
        var totalNet = 0m;
        for (var i = 0; i < facts.Count; i++)
        {
            if (!states.Included[i])
            {
                continue;
            }

            var a = acc[grouping.GroupOf[i]];
            a.Customers++;
            a.Repeat += states.PurchaseDays[i] >= 2 ? 1 : 0;
            a.Net += states.NetRevenue[i];
            totalNet += states.NetRevenue[i];
            a.Churned += states.Churned[i] ? 1 : 0;
            if (facts.PredictedClv?[i] is { } predicted)
            {
                a.Predicted += predicted;
                a.PredictedCount++;
                a.ModelChurned += facts.ProbabilityAlive![i] < settings.AliveThreshold ? 1 : 0;
            }

            a.Active += activity.Active[i] ? 1 : 0;
            a.ActiveBefore += activity.ActiveBefore[i] ? 1 : 0;
            a.Retained += activity.Active[i] && activity.ActiveBefore[i] ? 1 : 0;
            a.AtRisk += activity.Churn[i] == ChurnOutcome.NotAtRisk ? 0 : 1;
            a.BecameChurned += activity.Churn[i] == ChurnOutcome.Churned ? 1 : 0;
            a.Formula += FormulaClv.Of(facts, i, states.Cutoff, formulaWindow, settings.ChurnWindowDays);
            var acquired = facts.AcquiredDay[i];
            if (acquired != PortfolioFacts.NoDay && acquired >= newFirst && acquired <= newLast)
            {
                a.New++;
                a.NewGrossProfit += states.GrossProfit(i);
                a.NewPredicted += facts.PredictedClv?[i] ?? 0m;
                a.NewPredictedCount += facts.PredictedClv?[i] is null ? 0 : 1;
                if (months is not null)
                {
                    a.AddProfitCurve(facts, i, states.Cutoff, months);
                }
            }
        }

        var medians = Medians(states, grouping, acc);
        var result = new List<SegmentFigures>(groups);
        for (var g = 0; g < groups; g++)
        {
            var a = acc[g];
            // A channel with spend but no customer still shows, so that segment spend adds up to all spend.
            if (a.Customers == 0 && a.New == 0 && recorded?[g] != true)
            {
                continue;
            }

            var groupSpend = spend?[g];
            var cac = groupSpend is { } s && recorded![g] && a.New > 0 ? s / a.New : (decimal?)null;
            result.Add(Figures(grouping.Names[g], a, medians[g], totalNet, groupSpend, cac, cac is { } c ? a.Payback(c) : (null, 0), facts.HasPredictions, settings));
        }

        result.Sort((x, y) => y.Customers != x.Customers ? y.Customers.CompareTo(x.Customers) : string.CompareOrdinal(x.Key, y.Key));
        return result;
    }

    /// <summary>
    /// A segment's figures from its counts and sums: rates, means, money rounded to 4 decimals,
    /// CAC ratios and health bands, as every segment report gives them.
    /// </summary>
    /// <param name="key">The segment key.</param>
    /// <param name="a">Its counts and sums.</param>
    /// <param name="median">Its exact median historical CLV.</param>
    /// <param name="totalNet">All segments' net revenue, for the revenue share.</param>
    /// <param name="spend">Its acquisition spend over the range; null where spend is not attributed.</param>
    /// <param name="cac">Its CAC; null where unknown.</param>
    /// <param name="payback">Its payback month (null: not reached) and the months observed.</param>
    /// <param name="hasPredictions">Whether a model run is active.</param>
    /// <param name="settings">The definitions' parameters.</param>
    public static SegmentFigures Figures(
        string key, SegmentSums a, decimal median, decimal totalNet, decimal? spend, decimal? cac, (int? Months, int Observed) payback, bool hasPredictions, PortfolioSettings settings)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(settings);
        var clvToCac = cac > 0 ? a.NewGrossProfit / a.New / cac : null;
        // Customers the run did not predict count 0 in the mean; without any prediction it is unknown, not 0.
        var predictedClvToCac = cac > 0 && hasPredictions && a.NewPredictedCount > 0 ? a.NewPredicted / a.New / cac : null;
        return new SegmentFigures
        {
            Key = key,
            Customers = a.Customers,
            RepeatCustomers = a.Repeat,
            NewCustomers = a.New,
            ActiveCustomers = a.Active,
            ChurnedCustomers = a.Churned,
            ModelChurnedCustomers = hasPredictions ? a.ModelChurned : null,
            RepeatPurchaseRate = Rate(a.Repeat, a.Customers) ?? 0,
            RetentionRate = Rate(a.Retained, a.ActiveBefore),
            // Not 1 − retention: 1 − 2/3 is 0.33333333333333337, where 1/3 is 0.3333333333333333.
            PeriodChurnRate = Rate(a.ActiveBefore - a.Retained, a.ActiveBefore),
            ChurnRate = Rate(a.BecameChurned, a.AtRisk),
            AvgHistoricalClv = a.Customers == 0 ? 0 : Money(a.Net / a.Customers),
            MedianHistoricalClv = Money(median),
            AvgPredictedClv = hasPredictions && a.PredictedCount > 0 ? Money(a.Predicted / a.PredictedCount) : null,
            CustomerEquity = a.Net,
            PredictedCustomerEquity = hasPredictions ? Money(a.Predicted) : null,
            RevenueShare = totalNet == 0 ? null : Math.Round(a.Net / totalNet, 6, MidpointRounding.AwayFromZero),
            Spend = spend is { } gs ? Money(gs) : null,
            Cac = cac is { } cc ? Money(cc) : null,
            ClvToCac = clvToCac is { } r ? Math.Round(r, 4, MidpointRounding.AwayFromZero) : null,
            PredictedClvToCac = predictedClvToCac is { } pr ? Math.Round(pr, 4, MidpointRounding.AwayFromZero) : null,
            PaybackMonths = payback.Months,
            ClvToCacHealth = settings.Health.ClvToCac(clvToCac),
            PaybackHealth = cac is null ? null : settings.Health.Payback(payback.Months, payback.Observed),
            SmallSample = a.Customers < settings.MinSegmentSize,
            Formula = a.Formula,
        };
    }

    private static double? Rate(int part, int whole) => whole == 0 ? null : (double)part / whole;

    private static decimal Money(decimal value) => Math.Round(value, MoneyDecimals, MidpointRounding.AwayFromZero);

    // Spend can be attributed to channels (and to everyone); other groupings have none. Recorded:
    // some spend row of the group overlaps [first, last], so its spend there is known (maybe 0).
    private static (decimal[]? Spend, bool[]? Recorded) SpendByGroup(PortfolioFacts facts, Grouping grouping, int first, int last)
    {
        if (grouping.By is not ("acquisitionChannel" or "all"))
        {
            return (null, null);
        }

        var byName = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var g = 0; g < grouping.Names.Count; g++)
        {
            byName[grouping.Names[g]] = g;
        }

        var spend = new decimal[grouping.Names.Count];
        var recorded = new bool[grouping.Names.Count];
        foreach (var s in facts.Spend)
        {
            var g = grouping.By == "all" ? 0 : byName.GetValueOrDefault(s.Channel, -1);
            if (g >= 0 && CustomerActivity.Overlaps(s, first, last))
            {
                spend[g] += CustomerActivity.ProratedSpend(s, first, last);
                recorded[g] = true;
            }
        }

        return (spend, recorded);
    }

    // The exact median per group: the mean of the two middle values of the group's customers,
    // read off one walk over every customer in CLV order.
    private static decimal[] Medians(CustomerStates states, Grouping grouping, Accumulator[] acc)
    {
        var seen = new int[acc.Length];
        var medians = new decimal[acc.Length];
        foreach (var i in states.ByHistoricalClv)
        {
            var g = grouping.GroupOf[i];
            var n = acc[g].Customers;
            var position = seen[g]++;
            if (position == (n - 1) / 2)
            {
                medians[g] += states.NetRevenue[i] / 2;
            }

            if (position == n / 2)
            {
                medians[g] += states.NetRevenue[i] / 2;
            }
        }

        return medians;
    }

    private sealed class Accumulator : SegmentSums
    {
        private readonly List<decimal> _monthProfit = [];
        private readonly List<int> _observedFor = [];

        // Gross profit by month since acquisition (0 = the acquisition month), and how many new
        // customers have been observed for how many months (months begun by the reference day).
        public void AddProfitCurve(PortfolioFacts facts, int customer, int cutoff, PeriodIndex months)
        {
            var acquiredMonth = months.Of(facts.AcquiredDay[customer]);
            var observed = months.Count - acquiredMonth;
            if (acquiredMonth < 0 || observed <= 0)
            {
                return;
            }

            while (_monthProfit.Count < observed)
            {
                _monthProfit.Add(0m);
                _observedFor.Add(0);
            }

            _observedFor[observed - 1]++;
            for (var d = facts.DayStart[customer]; d < facts.DayStart[customer + 1] && facts.Day[d] <= cutoff; d++)
            {
                var m = months.Of(facts.Day[d]) - acquiredMonth;
                if (m >= 0 && m < observed)
                {
                    _monthProfit[m] += facts.NetRevenue[d] - facts.KnownCost[d];
                }
            }
        }

        // The payback month of these new customers' curve, and how many months were observed.
        public (int? Months, int Observed) Payback(decimal cac) => Portfolio.Payback.Months(_monthProfit, _observedFor, cac);
    }
}
