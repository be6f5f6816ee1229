using System.Runtime.CompilerServices;
using Clv.Analytics.Models;
using Clv.Analytics.Predictions;

namespace Clv.Analytics.ModelRuns;

/// <summary>A way of dividing a run's customers into segments whose customer equity gets an interval.</summary>
/// <param name="Name">The grouping, as the segments endpoint names it (e.g. acquisitionChannel).</param>
/// <param name="KeyOf">Each customer's segment key, as the segments endpoint gives it.</param>
public sealed record CustomerGrouping(string Name, Func<long, string> KeyOf);

/// <summary>The percentile interval of a group's predicted customer equity (Σ predicted CLV) over the bootstrap's draws.</summary>
/// <param name="Grouping">The grouping, or <see cref="Overall"/> for every customer of the run.</param>
/// <param name="Key">The segment key; <see cref="Overall"/> with the overall grouping.</param>
/// <param name="Lower">The lower end.</param>
/// <param name="Upper">The upper end.</param>
public sealed record EquityInterval(string Grouping, string Key, double Lower, double Upper)
{
    /// <summary>The grouping and key of the whole run.</summary>
    public const string Overall = "overall";
}

/// <summary>Every customer's intervals as parallel columns (in the portfolio's order), and the equity intervals.</summary>
public sealed class PredictionIntervals(int count, double level)
{
    /// <summary>The level of every interval.</summary>
    public double Level { get; } = level;

    /// <summary>Lower ends of predicted CLV.</summary>
    public double[] ClvLower { get; } = new double[count];

    /// <summary>Upper ends of predicted CLV.</summary>
    public double[] ClvUpper { get; } = new double[count];

    /// <summary>Lower ends of expected purchases.</summary>
    public double[] PurchasesLower { get; } = new double[count];

    /// <summary>Upper ends of expected purchases.</summary>
    public double[] PurchasesUpper { get; } = new double[count];

    /// <summary>Lower ends of P(alive).</summary>
    public double[] AliveLower { get; } = new double[count];

    /// <summary>Upper ends of P(alive).</summary>
    public double[] AliveUpper { get; } = new double[count];

    /// <summary>The equity intervals: overall first, then each grouping's segments.</summary>
    public List<EquityInterval> Equity { get; } = [];
}

/// <summary>Prediction intervals of every customer and of customer equity.</summary>
public sealed partial class ModelRunPortfolio
{
    // Ranges of patterns the equity is summed over in parallel: enough to keep two to eight cores busy.
    private const int EquityChunks = 32;

    /// <summary>
    /// Every customer's intervals of predicted CLV, expected purchases and P(alive), and the intervals of customer
    /// equity overall and by each of <paramref name="groupings"/>. The purchase model is evaluated once per distinct
    /// (x, t_x, T) pattern and draw, and where it factors (<see cref="IPurchaseModel.TryExpectedPurchasesIfAlive"/>)
    /// its costly part once per distinct (x, T) and draw, each pattern's forecast being that times its P(alive), as in
    /// the point predictions. A customer's CLV in a draw is that draw's expected spend times the pattern's discounted
    /// purchases, so the equity of a group is summed per (pattern, segment) from the count of its customers and the
    /// sum of their m_x (E[M] is linear in m_x), not customer by customer.
    /// </summary>
    /// <param name="bootstrap">The parameter draws.</param>
    /// <param name="groupings">The groupings whose equity intervals are computed besides the whole portfolio's.</param>
    /// <param name="cancellationToken">Stops the computation between two ranges of (x, T).</param>
    public PredictionIntervals Intervals(PredictionBootstrap bootstrap, IReadOnlyList<CustomerGrouping> groupings, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(bootstrap);
        ArgumentNullException.ThrowIfNull(groupings);
        var draws = bootstrap.Settings.Draws;
        PatternGroups patterns = null!;
        int[][] slotOf = null!;
        List<(string Grouping, string Key)> slotNames = null!;
        Parallel.Invoke(() => patterns = GroupByPattern(), () => (slotOf, slotNames) = Slots(groupings)); // each a pass over every customer
        var result = new PredictionIntervals(Count, bootstrap.Settings.Level);
        var shared = patterns.Shared.Length - 1;

        // Fixed ranges of (x, T), each summing its own equity, added in order: the sums do not depend on which
        // thread ran what, so the same seed gives the same intervals to the last bit.
        var chunks = Math.Min(EquityChunks, Math.Max(1, shared));
        var partial = new ThreadState[chunks];
        Parallel.For(0, chunks, new ParallelOptions { CancellationToken = cancellationToken }, chunk =>
        {
            var local = new ThreadState(slotNames.Count, draws, bootstrap.Projection);
            for (var j = (int)((long)shared * chunk / chunks); j < (int)((long)shared * (chunk + 1) / chunks); j++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                IntervalsOfSharedAge(bootstrap, patterns, patterns.Shared[j], patterns.Shared[j + 1], slotOf, local, result);
            }

            partial[chunk] = local;
        });

        var equity = new double[slotNames.Count * draws];
        foreach (var local in partial)
        {
            for (var i = 0; i < equity.Length; i++)
            {
                equity[i] += local.Equity[i];
            }
        }

        for (var slot = 0; slot < slotNames.Count; slot++)
        {
            var (lower, upper) = bootstrap.Percentiles(equity.AsSpan(slot * draws, draws));
            result.Equity.Add(new EquityInterval(slotNames[slot].Grouping, slotNames[slot].Key, lower, upper));
        }

        return result;
    }

    // The patterns [first, end), which share x and T: E[X | alive] at each month's end once per draw when the model
    // factors, then each pattern.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void IntervalsOfSharedAge(
        PredictionBootstrap bootstrap, PatternGroups patterns, int first, int end, int[][] slotOf, ThreadState local, PredictionIntervals result)
    {
        var draws = bootstrap.Settings.Draws;
        var months = local.Times.Length;
        var shared = patterns.Members[patterns.Start[first]];
        var factored = true;
        for (var d = 0; d < draws && factored; d++)
        {
            factored = bootstrap.Purchases[d].TryExpectedPurchasesIfAlive(local.Times, _frequency[shared], _age[shared], local.IfAlive.AsSpan(d * months, months));
        }

        for (var pattern = first; pattern < end; pattern++)
        {
            var customers = patterns.Members.AsSpan(patterns.Start[pattern]..patterns.Start[pattern + 1]);
            var (x, tx, age) = (_frequency[customers[0]], _recency[customers[0]], _age[customers[0]]);
            for (var d = 0; d < draws; d++)
            {
                var model = bootstrap.Purchases[d];
                if (!factored)
                {
                    (local.Purchases[d], local.Alive[d], local.Discounted[d]) = PortfolioPredictor.Forecast(model, x, tx, age, bootstrap.Projection);
                    continue;
                }

                (local.Purchases[d], local.Alive[d], local.Discounted[d]) = PortfolioPredictor.FromExpectationIfAlive(
                    local.IfAlive.AsSpan(d * months, months), model.ProbabilityAlive(x, tx, age), bootstrap.Projection.MonthlyDiscountRate, local.Cumulative);
            }

            IntervalsOfPattern(bootstrap, x, customers, slotOf, local, result);
        }
    }

    // One pattern's customers, its forecast in each draw given: each distinct m_x's CLV interval, and the pattern's
    // share of each segment's equity per draw.
    private void IntervalsOfPattern(
        PredictionBootstrap bootstrap, double x, ReadOnlySpan<int> customers, int[][] slotOf, ThreadState local, PredictionIntervals result)
    {
        var draws = bootstrap.Settings.Draws;
        var (discounted, scratch) = (local.Discounted, local.Scratch);
        var purchaseInterval = bootstrap.Percentiles(local.Purchases);
        var aliveInterval = bootstrap.Percentiles(local.Alive);
        var clvBySpend = local.ClvBySpend;
        var (inFitCount, sumMonetary, others, touched) = (local.InFit, local.SumMonetary, local.Others, local.Touched);
        clvBySpend.Clear();
        touched.Clear();
        foreach (var c in customers)
        {
            var inFit = x > 0 && _monetary[c] > 0;
            var spendKey = inFit ? _monetary[c] : 0; // every customer outside the spend fit gets the population mean
            if (!clvBySpend.TryGetValue(spendKey, out var clv))
            {
                for (var d = 0; d < draws; d++)
                {
                    scratch[d] = ClvCalculator.ExpectedSpend(bootstrap.Spend[d], x, spendKey) * discounted[d];
                }

                clv = bootstrap.Percentiles(scratch);
                clvBySpend[spendKey] = clv;
            }

            (result.ClvLower[c], result.ClvUpper[c]) = clv;
            (result.PurchasesLower[c], result.PurchasesUpper[c]) = purchaseInterval;
            (result.AliveLower[c], result.AliveUpper[c]) = aliveInterval;
            foreach (var grouping in slotOf)
            {
                var slot = grouping[c];
                if (inFitCount[slot] == 0 && others[slot] == 0)
                {
                    touched.Add(slot);
                }

                if (inFit)
                {
                    inFitCount[slot]++;
                    sumMonetary[slot] += _monetary[c];
                }
                else
                {
                    others[slot]++;
                }
            }
        }

        // Σ E[M] over a segment's customers of this pattern: p(nγ + xΣm_x)/(px + q − 1) for the n in the spend
        // fit, the population mean pγ/(q − 1) for each of the others.
        foreach (var slot in touched)
        {
            var (n, sum, rest) = ((double)inFitCount[slot], sumMonetary[slot], (double)others[slot]);
            (inFitCount[slot], sumMonetary[slot], others[slot]) = (0, 0, 0);
            var row = local.Equity.AsSpan(slot * draws, draws);
            for (var d = 0; d < draws; d++)
            {
                var spend = bootstrap.Spend[d];
                var fitted = n > 0 ? spend.P * ((n * spend.Gamma) + (x * sum)) / ((spend.P * x) + spend.Q - 1) : 0;
                var outside = rest > 0 ? rest * spend.PopulationMeanSpend : 0;
                row[d] += (fitted + outside) * discounted[d];
            }
        }
    }

    // One worker's buffers, one value per draw, and its share of the equity sums.
    private sealed class ThreadState
    {
        public ThreadState(int slots, int draws, ClvProjection projection)
        {
            Equity = new double[slots * draws];
            (Purchases, Alive, Discounted, Scratch) = (new double[draws], new double[draws], new double[draws], new double[draws]);
            Times = new double[projection.HorizonMonths];
            ClvCalculator.MonthEnds(projection, Times);
            Cumulative = new double[Times.Length];
            IfAlive = new double[draws * Times.Length];
            (InFit, SumMonetary, Others) = (new int[slots], new double[slots], new int[slots]);
        }

        public double[] Equity { get; }

        public double[] Purchases { get; }

        public double[] Alive { get; }

        public double[] Discounted { get; }

        public double[] Scratch { get; }

        // The ends of the horizon's months; E[X | alive at T] at each of them, draw by draw; one pattern's E[X].
        public double[] Times { get; }

        public double[] IfAlive { get; }

        public double[] Cumulative { get; }

        public Dictionary<double, (double Lower, double Upper)> ClvBySpend { get; } = [];

        // Per segment slot, this pattern's customers in the spend fit, the sum of their m_x, and the others; the
        // slots they touched, to be summed and cleared.
        public int[] InFit { get; }

        public double[] SumMonetary { get; }

        public int[] Others { get; }

        public List<int> Touched { get; } = [];
    }

    // The customers listed pattern by pattern, the patterns ordered by (x, T, t_x): pattern k's customers are
    // Members[Start[k]..Start[k+1]), and the patterns Shared[j]..Shared[j+1] share x and T.
    private sealed record PatternGroups(int[] Start, int[] Members, int[] Shared);

    private PatternGroups GroupByPattern()
    {
        var index = new Dictionary<(double X, double Age, double Recency), int>();
        var patternOf = new int[Count];
        var keys = new List<(double X, double Age, double Recency)>();
        for (var i = 0; i < Count; i++)
        {
            var key = (_frequency[i], _age[i], _recency[i]);
            if (!index.TryGetValue(key, out var k))
            {
                k = keys.Count;
                index.Add(key, k);
                keys.Add(key);
            }

            patternOf[i] = k;
        }

        var sorted = keys.ToArray();
        var order = Enumerable.Range(0, sorted.Length).ToArray();
        Array.Sort(sorted, order);
        var rank = new int[sorted.Length];
        var shared = new List<int>();
        for (var j = 0; j < sorted.Length; j++)
        {
            rank[order[j]] = j;
            if (j == 0 || sorted[j].X != sorted[j - 1].X || sorted[j].Age != sorted[j - 1].Age)
            {
                shared.Add(j);
            }
        }

        shared.Add(sorted.Length);
        var start = new int[sorted.Length + 1];
        foreach (var k in patternOf)
        {
            start[rank[k] + 1]++;
        }

        for (var j = 0; j < sorted.Length; j++)
        {
            start[j + 1] += start[j];
        }

        var next = start[..^1];
        var members = new int[Count];
        for (var i = 0; i < Count; i++)
        {
            members[next[rank[patternOf[i]]]++] = i;
        }

        return new PatternGroups(start, members, [.. shared]);
    }

    // Slot 0 is the whole run; each grouping's keys follow. slotOf[g][customer] is the customer's slot in grouping g
    // (grouping 0 being the whole run).
    private (int[][] SlotOf, List<(string Grouping, string Key)> Names) Slots(IReadOnlyList<CustomerGrouping> groupings)
    {
        var names = new List<(string Grouping, string Key)> { (EquityInterval.Overall, EquityInterval.Overall) };
        var slotOf = new int[groupings.Count + 1][];
        slotOf[0] = new int[Count];
        for (var g = 0; g < groupings.Count; g++)
        {
            var byKey = new Dictionary<string, int>(StringComparer.Ordinal);
            var slots = new int[Count];
            for (var i = 0; i < Count; i++)
            {
                var key = groupings[g].KeyOf(_ids[i]);
                if (!byKey.TryGetValue(key, out var slot))
                {
                    slot = names.Count;
                    byKey.Add(key, slot);
                    names.Add((groupings[g].Name, key));
                }

                slots[i] = slot;
            }

            slotOf[g + 1] = slots;
        }

        return (slotOf, names);
    }
}
