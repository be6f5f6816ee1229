namespace Clv.Analytics.Statistics;

/// <summary>A two-sided confidence interval; its level is carried by the answer that holds it.</summary>
/// <param name="Lower">Lower bound.</param>
/// <param name="Upper">Upper bound.</param>
public readonly record struct ConfidenceInterval(double Lower, double Upper)
{
    /// <summary>
    /// The Wilson score interval of a proportion (Wilson 1927; Newcombe 1998, method 3): with
    /// p̂ = successes / trials and z the normal quantile at (1 + level) / 2,
    /// (p̂ + z²/2n ± z √(p̂(1 − p̂)/n + z²/4n²)) / (1 + z²/n). It stays inside [0, 1] and does not
    /// collapse to a point at 0 or n successes, as the normal approximation does.
    /// </summary>
    /// <param name="successes">Successes, 0..trials.</param>
    /// <param name="trials">Trials, at least 1.</param>
    /// <param name="level">Confidence level, strictly between 0 and 1.</param>
    public static ConfidenceInterval Wilson(long successes, long trials, double level = 0.95)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(trials, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(successes);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(successes, trials);
        var z = Quantiles.NormalCritical(level);
        double n = trials;
        var p = successes / n;
        var z2 = z * z;
        var centre = (p + z2 / (2 * n)) / (1 + z2 / n);
        var half = z / (1 + z2 / n) * Math.Sqrt(p * (1 - p) / n + z2 / (4 * n * n));
        return new ConfidenceInterval(Math.Max(0, centre - half), Math.Min(1, centre + half));
    }

    /// <summary>estimate ± halfWidth, cut to [min, max].</summary>
    internal static ConfidenceInterval Around(double estimate, double halfWidth, double min = double.NegativeInfinity, double max = double.PositiveInfinity) =>
        new(Math.Max(min, estimate - halfWidth), Math.Min(max, estimate + halfWidth));
}
