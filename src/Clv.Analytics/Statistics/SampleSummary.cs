namespace Clv.Analytics.Statistics;

/// <summary>A group's size, mean and standard deviation: the input of a comparison of means, and each group's figures in every comparison.</summary>
/// <param name="N">Members.</param>
/// <param name="Mean">Their mean (a rate's proportion, or an NPS); null without members.</param>
/// <param name="StandardDeviation">
/// The standard deviation the comparison's standard error is built from, so that the group's standard
/// error is StandardDeviation / √N: the sample one (over n − 1) for means, √(p(1 − p)) for a proportion,
/// 100 √(p + d − (p − d)²) for an NPS. Null with fewer than 2 members.
/// </param>
public readonly record struct SampleSummary(long N, double? Mean, double? StandardDeviation)
{
    /// <summary>The size, mean and sample standard deviation (over n − 1) of values.</summary>
    public static SampleSummary Of(IEnumerable<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        // Welford's update: one pass, without the cancellation of Σx² − n·mean².
        long n = 0;
        double mean = 0, squares = 0;
        foreach (var x in values)
        {
            n++;
            var delta = x - mean;
            mean += delta / n;
            squares += delta * (x - mean);
        }
        return new SampleSummary(n, n > 0 ? mean : null, n > 1 ? Math.Sqrt(squares / (n - 1)) : null);
    }

    internal void Check(string name)
    {
        if (N < 0)
        {
            throw new ArgumentOutOfRangeException(name, this, "A group cannot have fewer than 0 members.");
        }
        if (N >= 1 && (Mean is not { } mean || !double.IsFinite(mean)))
        {
            throw new ArgumentException("A group with members needs a finite mean.", name);
        }
        if (N >= 2 && (StandardDeviation is not { } sd || !double.IsFinite(sd) || sd < 0))
        {
            throw new ArgumentException("A group with 2 or more members needs a finite standard deviation, 0 or more.", name);
        }
    }
}
