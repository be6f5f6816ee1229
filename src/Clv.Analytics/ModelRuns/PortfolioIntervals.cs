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
    /// (x, t_x, T) pattern and draw; a customer's CLV in a draw is that draw's expected spend times the pattern's
    /// discounted purchases, so the equity of a group is summed per (pattern, segment) from the count of its customers
    /// and the sum of their m_x (E[M] is linear in m_x), not customer by customer.
    /// </summary>
    public PredictionIntervals Intervals(PredictionBootstrap bootstrap, IReadOnlyList<CustomerGrouping> groupings)
    {
        ArgumentNullException.ThrowIfNull(bootstrap);
        ArgumentNullException.ThrowIfNull(groupings);
        var draws = bootstrap.Settings.Draws;
        var (patternStart, members) = GroupByPattern();
        var (slotOf, slotNames) = Slots(groupings);
        var slots = slotNames.Count;
        var result = new PredictionIntervals(Count, bootstrap.Settings.Level);
        var patterns = patternStart.Length - 1;

        // Fixed ranges of patterns, each summing its own equity, added in order: the sums do not depend on
        // which thread ran what, so the same seed gives the same intervals to the last bit.
        var chunks = Math.Min(EquityChunks, Math.Max(1, patterns));
        var partial = new ThreadState[chunks];
        Parallel.For(0, chunks, chunk =>
        {
            var local = new ThreadState(slots, draws);
            for (var pattern = (int)((long)patterns * chunk / chunks); pattern < (int)((long)patterns * (chunk + 1) / chunks); pattern++)
            {
                IntervalsOfPattern(bootstrap, members.AsSpan(patternStart[pattern]..patternStart[pattern + 1]), slotOf, local, result);
            }

            partial[chunk] = local;
        });

        var equity = new double[slots * draws];
        foreach (var local in partial)
        {
            for (var i = 0; i < equity.Length; i++)
            {
                equity[i] += local.Equity[i];
            }
        }

        for (var slot = 0; slot < slots; slot++)
        {
            var (lower, upper) = bootstrap.Percentiles(equity.AsSpan(slot * draws, draws));
            result.Equity.Add(new EquityInterval(slotNames[slot].Grouping, slotNames[slot].Key, lower, upper));
        }

        return result;
    }

    // One pattern's customers: the purchase model once per draw, then each distinct m_x's CLV interval, and the
    // pattern's share of each segment's equity per draw.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void IntervalsOfPattern(
        PredictionBootstrap bootstrap, ReadOnlySpan<int> customers, int[][] slotOf, ThreadState local, PredictionIntervals result)
    {
        var draws = bootstrap.Settings.Draws;
        var (purchases, alive, discounted, scratch) = (local.Purchases, local.Alive, local.Discounted, local.Scratch);
        var first = customers[0];
        var (x, tx, age) = (_frequency[first], _recency[first], _age[first]);
        for (var d = 0; d < draws; d++)
        {
            (purchases[d], alive[d], discounted[d]) = PortfolioPredictor.Forecast(bootstrap.Purchases[d], x, tx, age, bootstrap.Projection);
        }

        var purchaseInterval = bootstrap.Percentiles(purchases);
        var aliveInterval = bootstrap.Percentiles(alive);
        var clvBySpend = new Dictionary<double, (double Lower, double Upper)>();
        var sums = new Dictionary<int, (double InFit, double SumMonetary, double Others)>();
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
                var s = sums.GetValueOrDefault(slot);
                sums[slot] = inFit ? (s.InFit + 1, s.SumMonetary + _monetary[c], s.Others) : (s.InFit, s.SumMonetary, s.Others + 1);
            }
        }

        // Σ E[M] over a segment's customers of this pattern: p(nγ + xΣm_x)/(px + q − 1) for the n in the spend
        // fit, the population mean pγ/(q − 1) for each of the others.
        foreach (var (slot, s) in sums)
        {
            var row = local.Equity.AsSpan(slot * draws, draws);
            for (var d = 0; d < draws; d++)
            {
                var spend = bootstrap.Spend[d];
                var fitted = s.InFit > 0 ? spend.P * ((s.InFit * spend.Gamma) + (x * s.SumMonetary)) / ((spend.P * x) + spend.Q - 1) : 0;
                var others = s.Others > 0 ? s.Others * spend.PopulationMeanSpend : 0;
                row[d] += (fitted + others) * discounted[d];
            }
        }
    }

    // One worker's buffers, one value per draw, and its share of the equity sums.
    private sealed class ThreadState(int slots, int draws)
    {
        public double[] Equity { get; } = new double[slots * draws];

        public double[] Purchases { get; } = new double[draws];

        public double[] Alive { get; } = new double[draws];

        public double[] Discounted { get; } = new double[draws];

        public double[] Scratch { get; } = new double[draws];
    }

    // The customers listed pattern by pattern: pattern k's are members[start[k]..start[k+1]).
    private (int[] Start, int[] Members) GroupByPattern()
    {
        var index = new Dictionary<(double, double, double), int>();
        var patternOf = new int[Count];
        var counts = new List<int>();
        for (var i = 0; i < Count; i++)
        {
            var key = (_frequency[i], _recency[i], _age[i]);
            if (!index.TryGetValue(key, out var k))
            {
                k = counts.Count;
                index.Add(key, k);
                counts.Add(0);
            }

            patternOf[i] = k;
            counts[k]++;
        }

        var start = new int[counts.Count + 1];
        for (var k = 0; k < counts.Count; k++)
        {
            start[k + 1] = start[k] + counts[k];
        }

        var next = start[..^1];
        var members = new int[Count];
        for (var i = 0; i < Count; i++)
        {
            members[next[patternOf[i]]++] = i;
        }

        return (start, members);
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
