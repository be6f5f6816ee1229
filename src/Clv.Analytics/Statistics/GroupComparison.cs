namespace Clv.Analytics.Statistics;

/// <summary>The method names a comparison answers in <see cref="GroupComparison.Method"/>; stable strings.</summary>
public static class ComparisonMethods
{
    /// <summary>Means: Welch's t-test with the Welch–Satterthwaite degrees of freedom.</summary>
    public const string WelchT = "welch-t";

    /// <summary>Proportions: the two-proportion z-test (pooled for the p-value, unpooled for the interval).</summary>
    public const string TwoProportionZ = "two-proportion-z";

    /// <summary>NPS: the difference of two NPS over their standard errors combined, against the normal distribution.</summary>
    public const string NpsDifferenceZ = "nps-difference-z";
}

/// <summary>Group b against group a: the difference b − a and the relative lift b / a − 1, with intervals and a p-value.</summary>
/// <param name="Method">One of <see cref="ComparisonMethods"/>.</param>
/// <param name="Level">The intervals' confidence level.</param>
/// <param name="A">Group a: its size, mean (proportion, NPS) and standard deviation.</param>
/// <param name="B">Group b, likewise.</param>
/// <param name="Difference">Mean of b − mean of a; null when a group has no members.</param>
/// <param name="StandardError">The standard error of the difference that its interval uses (unpooled for proportions).</param>
/// <param name="DifferenceInterval">The difference ± the critical value × StandardError (t for means, z otherwise).</param>
/// <param name="Statistic">The test statistic: t for means, z otherwise (for proportions from the pooled standard error).</param>
/// <param name="DegreesOfFreedom">The Welch–Satterthwaite degrees of freedom; null for the z-tests.</param>
/// <param name="PValue">The two-sided p-value of no difference.</param>
/// <param name="Reason">Why Difference, StandardError, DifferenceInterval, Statistic or PValue is null; null when none is.</param>
/// <param name="RelativeLift">Mean of b / mean of a − 1; null unless a's mean is positive.</param>
/// <param name="RelativeLiftInterval">The lift ± z × its delta-method standard error.</param>
/// <param name="RelativeLiftReason">Why RelativeLift or its interval is null; null when neither is.</param>
public sealed record GroupComparison(
    string Method,
    double Level,
    SampleSummary A,
    SampleSummary B,
    double? Difference,
    double? StandardError,
    ConfidenceInterval? DifferenceInterval,
    double? Statistic,
    double? DegreesOfFreedom,
    double? PValue,
    string? Reason,
    double? RelativeLift,
    ConfidenceInterval? RelativeLiftInterval,
    string? RelativeLiftReason);
