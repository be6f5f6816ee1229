namespace Clv.Analytics.Models;

/// <summary>
/// Validated recency-frequency patterns laid out as arrays, with the index of each pattern's frequency among
/// the distinct frequencies, so that likelihoods compute their lgamma/digamma terms once per distinct x.
/// </summary>
internal sealed class PatternSet
{
    private PatternSet(double[] x, double[] tx, double[] age, double[] weight, int[] xIndex, double[] distinctX, string? invalidReason)
    {
        X = x;
        Tx = tx;
        Age = age;
        Weight = weight;
        XIndex = xIndex;
        DistinctX = distinctX;
        InvalidReason = invalidReason;
        TotalWeight = weight.Sum();
    }

    public double[] X { get; }

    public double[] Tx { get; }

    public double[] Age { get; }

    public double[] Weight { get; }

    public int[] XIndex { get; }

    public double[] DistinctX { get; }

    public double TotalWeight { get; }

    /// <summary>Why the data cannot be fitted; null when they can.</summary>
    public string? InvalidReason { get; }

    public int Count => X.Length;

    public static PatternSet Create(IReadOnlyList<RfmPattern> patterns)
    {
        ArgumentNullException.ThrowIfNull(patterns);
        var n = patterns.Count;
        var x = new double[n];
        var tx = new double[n];
        var age = new double[n];
        var weight = new double[n];
        string? invalid = n == 0 ? "There are no customers to fit." : null;
        for (var i = 0; i < n; i++)
        {
            var p = patterns[i];
            if (invalid is null && !IsValid(p))
            {
                invalid = $"Pattern {i} is invalid: {p} (need finite x ≥ 0, 0 ≤ t_x ≤ T, weight > 0).";
            }

            x[i] = p.Frequency;
            tx[i] = p.Recency;
            age[i] = p.Age;
            weight[i] = p.Weight;
        }

        var xIndex = IndexDistinct(x, out var distinctX);
        return new PatternSet(x, tx, age, weight, xIndex, distinctX, invalid);
    }

    /// <summary>For each value, its position among the distinct values (in order of first appearance).</summary>
    public static int[] IndexDistinct(double[] values, out double[] distinctValues)
    {
        var index = new int[values.Length];
        var positions = new Dictionary<double, int>();
        var distinct = new List<double>();
        for (var i = 0; i < values.Length; i++)
        {
            if (!positions.TryGetValue(values[i], out var k))
            {
                k = distinct.Count;
                positions.Add(values[i], k);
                distinct.Add(values[i]);
            }

            index[i] = k;
        }

        distinctValues = [.. distinct];
        return index;
    }

    private static bool IsValid(RfmPattern p) =>
        double.IsFinite(p.Frequency) && p.Frequency >= 0
        && double.IsFinite(p.Recency) && p.Recency >= 0
        && double.IsFinite(p.Age) && p.Age >= p.Recency
        && double.IsFinite(p.Weight) && p.Weight > 0;
}
