using System.Collections.Concurrent;
using Clv.Analytics.Cohorts;

namespace Clv.Analytics.Portfolio;

/// <summary>
/// Every customer's historical figures, churn, spend trend, RFM scores and CLV tier as they stood
/// at one day, computed in one pass over the facts. Arrays are indexed like the facts' customers.
/// </summary>
public sealed class CustomerStates
{
    /// <summary>The CLV tiers, in the order of their index: top 1%, the rest of the top 10%, the middle 40%, the bottom 50%.</summary>
    public static IReadOnlyList<string> Tiers { get; } = ["top1", "top10", "middle40", "bottom50"];

    private readonly ConcurrentDictionary<CalendarPeriod, Lazy<PeriodActivity>> _activity = new();

    // The buyers' recency days, purchase days and net revenue, each ascending: the quintiles that
    // score RFM, kept to rank a customer computed apart (RankApart).
    private int[] _recencies = [];
    private int[] _frequencies = [];
    private decimal[] _monetaries = [];

    private CustomerStates(PortfolioFacts facts, int cutoff, int reference, PortfolioSettings settings)
    {
        Facts = facts;
        Settings = settings;
        Cutoff = cutoff;
        Reference = reference;
        var n = facts.Count;
        Included = new bool[n];
        PurchaseDays = new int[n];
        PurchaseCount = new int[n];
        NetRevenue = new decimal[n];
        KnownCost = new decimal[n];
        FirstPurchase = new int[n];
        LastPurchase = new int[n];
        Churned = new bool[n];
        Last12Months = new decimal[n];
        Previous12Months = new decimal[n];
        AtRisk = new bool[n];
        Recency = new byte[n];
        Frequency = new byte[n];
        Monetary = new byte[n];
        RfmSegment = new sbyte[n];
        Tier = new sbyte[n];
    }

    /// <summary>The settings the states were computed with.</summary>
    public PortfolioSettings Settings { get; }

    /// <summary>The facts the states were computed from.</summary>
    public PortfolioFacts Facts { get; }

    /// <summary>The last day (day number) whose transactions count; <see cref="int.MaxValue"/> for all.</summary>
    public int Cutoff { get; }

    /// <summary>The day (day number) recency, churn and trend are measured to.</summary>
    public int Reference { get; }

    /// <summary>Acquired by the cutoff (or acquisition unknown): the customers every figure counts.</summary>
    public bool[] Included { get; }

    /// <summary>Distinct purchase days.</summary>
    public int[] PurchaseDays { get; }

    /// <summary>Purchases.</summary>
    public int[] PurchaseCount { get; }

    /// <summary>Σ purchases − Σ refunds: the historical CLV.</summary>
    public decimal[] NetRevenue { get; }

    /// <summary>Net known cost.</summary>
    public decimal[] KnownCost { get; }

    /// <summary>First purchase day number, or <see cref="PortfolioFacts.NoDay"/>.</summary>
    public int[] FirstPurchase { get; }

    /// <summary>Last purchase day number, or <see cref="PortfolioFacts.NoDay"/>.</summary>
    public int[] LastPurchase { get; }

    /// <summary>No purchase (nor acquisition) within the churn window up to the reference day.</summary>
    public bool[] Churned { get; }

    /// <summary>Net revenue of the 12 months ending on the reference day.</summary>
    public decimal[] Last12Months { get; }

    /// <summary>Net revenue of the 12 months before those.</summary>
    public decimal[] Previous12Months { get; }

    /// <summary>Spend fell by at least the at-risk share against the 12 months before.</summary>
    public bool[] AtRisk { get; }

    /// <summary>RFM recency score 1..5; 0 without a purchase.</summary>
    public byte[] Recency { get; }

    /// <summary>RFM frequency score 1..5; 0 without a purchase.</summary>
    public byte[] Frequency { get; }

    /// <summary>RFM monetary score 1..5; 0 without a purchase.</summary>
    public byte[] Monetary { get; }

    /// <summary>Index into <see cref="Rfm.Segments"/>; −1 without a purchase.</summary>
    public sbyte[] RfmSegment { get; }

    /// <summary>Index into <see cref="Tiers"/>; −1 when not included.</summary>
    public sbyte[] Tier { get; }

    /// <summary>Who was active and who churned around the last complete period of a kind, computed once.</summary>
    public PeriodActivity Activity(CalendarPeriod period) =>
        _activity.GetOrAdd(period, p => new Lazy<PeriodActivity>(() => PeriodActivity.Compute(this, p))).Value;

    /// <summary>Included customers ordered by historical CLV, ascending (ties in no particular order).</summary>
    public int[] ByHistoricalClv { get; private set; } = [];

    /// <summary>Historical gross profit: net revenue less known cost (net revenue where no cost is known).</summary>
    public decimal GrossProfit(int customer) => NetRevenue[customer] - KnownCost[customer];

    /// <summary>
    /// Computes the states. Transactions on days after <paramref name="cutoff"/> are left out, and
    /// customers acquired after it; recency, churn and trend are measured to <paramref name="reference"/>.
    /// </summary>
    public static CustomerStates Compute(PortfolioFacts facts, DateOnly? cutoff, DateOnly reference, PortfolioSettings settings)
    {
        ArgumentNullException.ThrowIfNull(facts);
        ArgumentNullException.ThrowIfNull(settings);
        var states = new CustomerStates(facts, cutoff?.DayNumber ?? int.MaxValue, reference.DayNumber, settings);
        states.Aggregate(reference, settings);
        states.ScoreRfm();
        states.RankTiers();
        states.ByHistoricalClv = states.OrderIncluded(i => states.NetRevenue[i]);
        return states;
    }

    /// <summary>Whether customer i's acquisition falls on or before the cutoff (unknown counts).</summary>
    public static bool AcquiredBy(PortfolioFacts facts, int customer, int day) =>
        facts.AcquiredDay[customer] == PortfolioFacts.NoDay || facts.AcquiredDay[customer] <= day;

    private void Aggregate(DateOnly reference, PortfolioSettings settings)
    {
        var facts = Facts;
        var trendStart = reference.AddMonths(-12).DayNumber;
        var previousStart = reference.AddMonths(-24).DayNumber;
        for (var i = 0; i < facts.Count; i++)
        {
            FirstPurchase[i] = LastPurchase[i] = PortfolioFacts.NoDay;
            Tier[i] = RfmSegment[i] = -1;
            if (!AcquiredBy(facts, i, Cutoff))
            {
                continue;
            }

            Included[i] = true;
            for (var d = facts.DayStart[i]; d < facts.DayStart[i + 1] && facts.Day[d] <= Cutoff; d++)
            {
                var day = facts.Day[d];
                if (facts.PurchaseCount[d] > 0)
                {
                    PurchaseDays[i]++;
                    PurchaseCount[i] += facts.PurchaseCount[d];
                    if (FirstPurchase[i] == PortfolioFacts.NoDay)
                    {
                        FirstPurchase[i] = day;
                    }

                    LastPurchase[i] = day;
                }

                NetRevenue[i] += facts.NetRevenue[d];
                KnownCost[i] += facts.KnownCost[d];
                if (day > trendStart && day <= Reference)
                {
                    Last12Months[i] += facts.NetRevenue[d];
                }
                else if (day > previousStart && day <= trendStart)
                {
                    Previous12Months[i] += facts.NetRevenue[d];
                }
            }

            var lastActivity = Math.Max(LastPurchase[i], facts.AcquiredDay[i]);
            Churned[i] = lastActivity != PortfolioFacts.NoDay && Reference - lastActivity >= settings.ChurnWindowDays;
            AtRisk[i] = Previous12Months[i] > 0 && Last12Months[i] <= Previous12Months[i] * (1 - settings.AtRiskDecline);
        }
    }

    private void ScoreRfm()
    {
        var buyers = Enumerable.Range(0, Facts.Count).Where(i => Included[i] && PurchaseDays[i] > 0).ToArray();
        _recencies = Array.ConvertAll(buyers, RecencyDays);
        _frequencies = Array.ConvertAll(buyers, i => PurchaseDays[i]);
        _monetaries = Array.ConvertAll(buyers, i => NetRevenue[i]);
        Array.Sort(_recencies);
        Array.Sort(_frequencies);
        Array.Sort(_monetaries);
        foreach (var i in buyers)
        {
            (Recency[i], Frequency[i], Monetary[i], RfmSegment[i]) = ScoreAmongBuyers(RecencyDays(i), PurchaseDays[i], NetRevenue[i], i);
        }
    }

    // Scores among the buyers, with buyer `replacing`'s own values taken out (−1: none, the
    // scored customer joins the buyers).
    private (byte R, byte F, byte M, sbyte Segment) ScoreAmongBuyers(int recencyDays, int purchaseDays, decimal netRevenue, int replacing)
    {
        var replaces = replacing >= 0;
        var r = Rfm.ScoreLowerIsBetter(_recencies, recencyDays, replaces ? RecencyDays(replacing) : null);
        var f = Rfm.ScoreHigherIsBetter(_frequencies, purchaseDays, replaces ? PurchaseDays[replacing] : null);
        var m = Rfm.ScoreHigherIsBetter(_monetaries, netRevenue, replaces ? NetRevenue[replacing] : null);
        return ((byte)r, (byte)f, (byte)m, (sbyte)Rfm.Segment(r, f, m));
    }

    /// <summary>Customer <paramref name="i"/>'s churn, spend trend and RFM scores.</summary>
    public CustomerStanding Standing(int i) => new(
        Included[i], Recency[i], Frequency[i], Monetary[i], RfmSegment[i], Churned[i], Last12Months[i], Previous12Months[i], AtRisk[i]);

    /// <summary>
    /// The standing of one customer computed from <paramref name="days"/> rather than from these
    /// states' facts, at the same cutoff and reference day, with RFM scored among these states'
    /// buyers, the customer's own values there (if any) replaced by the new ones: how a customer
    /// whose rows changed after the facts were read ranks among the rest.
    /// </summary>
    /// <param name="customer">The customer.</param>
    /// <param name="days">The customer's days, any order; days of other customers are ignored.</param>
    public CustomerStanding RankApart(CustomerFact customer, IEnumerable<DayFact> days)
    {
        var facts = PortfolioFacts.Create(Facts.Version, [customer], days, [], null, Facts.ReadAt);
        var own = new CustomerStates(facts, Cutoff, Reference, Settings);
        own.Aggregate(DateOnly.FromDayNumber(Reference), Settings);
        own.ScoreRfm();
        var standing = own.Standing(0);
        if (standing.RfmSegment < 0)
        {
            return standing;
        }

        var index = Facts.IndexOf(customer.Id);
        var (r, f, m, segment) = ScoreAmongBuyers(own.RecencyDays(0), own.PurchaseDays[0], own.NetRevenue[0], index >= 0 && RfmSegment[index] >= 0 ? index : -1);
        return standing with { Recency = r, Frequency = f, Monetary = m, RfmSegment = segment };
    }

    /// <summary>Days from the last purchase to the reference day, never negative.</summary>
    public int RecencyDays(int customer) => Math.Max(0, Reference - LastPurchase[customer]);

    // Tiers rank by predicted CLV where a model run exists (customers without a prediction count
    // 0), else by historical CLV; ties go to the older customer (lower id).
    private void RankTiers()
    {
        var predicted = Facts.PredictedClv;
        var order = OrderIncluded(i => predicted is null ? NetRevenue[i] : predicted[i] ?? 0m);
        var n = order.Length;
        var top1 = (int)Math.Ceiling(n * 0.01);
        var top10 = (int)Math.Ceiling(n * 0.10);
        var middle = (int)Math.Ceiling(n * 0.50);
        for (var rank = 0; rank < n; rank++)
        {
            var customer = order[n - 1 - rank];
            Tier[customer] = (sbyte)(rank < top1 ? 0 : rank < top10 ? 1 : rank < middle ? 2 : 3);
        }
    }

    // Included customers by value ascending; equal values by index descending, so that read from
    // the end (highest first) ties go to the lower index.
    private int[] OrderIncluded(Func<int, decimal> value)
    {
        var customers = Enumerable.Range(0, Facts.Count).Where(i => Included[i]).ToArray();
        var keys = Array.ConvertAll(customers, i => value(i));
        Array.Sort(keys, customers, Comparer<decimal>.Default);
        // Array.Sort is not stable: restore index order within runs of equal keys.
        var start = 0;
        for (var k = 1; k <= customers.Length; k++)
        {
            if (k == customers.Length || keys[k] != keys[start])
            {
                Array.Sort(customers, start, k - start, Comparer<int>.Create((a, b) => b.CompareTo(a)));
                start = k;
            }
        }

        return customers;
    }
}

/// <summary>One customer's churn, spend trend and RFM scores, as <see cref="CustomerStates"/> computes them.</summary>
/// <param name="Included">Acquired by the cutoff (or acquisition unknown).</param>
/// <param name="Recency">RFM recency score 1..5; 0 without a purchase.</param>
/// <param name="Frequency">RFM frequency score 1..5; 0 without a purchase.</param>
/// <param name="Monetary">RFM monetary score 1..5; 0 without a purchase.</param>
/// <param name="RfmSegment">Index into <see cref="Rfm.Segments"/>; −1 without a purchase.</param>
/// <param name="Churned">No purchase (nor acquisition) within the churn window up to the reference day.</param>
/// <param name="Last12Months">Net revenue of the 12 months ending on the reference day.</param>
/// <param name="Previous12Months">Net revenue of the 12 months before those.</param>
/// <param name="AtRisk">Spend fell by at least the at-risk share against the 12 months before.</param>
public readonly record struct CustomerStanding(
    bool Included, byte Recency, byte Frequency, byte Monetary, sbyte RfmSegment, bool Churned, decimal Last12Months, decimal Previous12Months, bool AtRisk);
