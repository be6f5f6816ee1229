namespace Clv.Analytics.Statistics;

/// <summary>
/// Compares group b with group a: means by Welch's t-test, proportions by the two-proportion z-test,
/// NPS by the difference of two NPS. Every answer carries b − a with its interval, a two-sided
/// p-value and the relative lift b / a − 1 with a delta-method interval. A figure that needs a
/// variance is null, with a reason, when a group has fewer than 2 members.
/// </summary>
public static class CompareGroups
{
    /// <summary>
    /// Welch's t-test: SE = √(s²a/na + s²b/nb), t = (x̄b − x̄a) / SE, ν = SE⁴ / ((s²a/na)²/(na − 1) + (s²b/nb)²/(nb − 1)),
    /// the interval (x̄b − x̄a) ± t(ν, (1 + level)/2) × SE and p = 2 P(T_ν ≥ |t|).
    /// </summary>
    /// <param name="a">Group a: size, mean and sample standard deviation (over n − 1).</param>
    /// <param name="b">Group b, likewise.</param>
    /// <param name="level">Confidence level of the intervals.</param>
    public static GroupComparison Means(SampleSummary a, SampleSummary b, double level = 0.95)
    {
        a.Check(nameof(a));
        b.Check(nameof(b));
        Quantiles.CheckLevel(level);
        const string method = ComparisonMethods.WelchT;
        if (TooFew(a.N, b.N) is { } tooFew)
        {
            return Unmeasured(method, level, a, b, tooFew);
        }

        var varianceA = a.StandardDeviation!.Value * a.StandardDeviation.Value / a.N;
        var varianceB = b.StandardDeviation!.Value * b.StandardDeviation.Value / b.N;
        // ν = SE⁴ / ((s²a/na)²/(na − 1) + (s²b/nb)²/(nb − 1)), written with a's share w of SE² so that
        // no fourth power under- or overflows. NaN when neither group varies; Tested then answers without a test.
        var w = varianceA / (varianceA + varianceB);
        var freedom = 1 / (w * w / (a.N - 1) + (1 - w) * (1 - w) / (b.N - 1));
        return Tested(method, level, a, b, varianceA, varianceB, freedom, double.PositiveInfinity);
    }

    /// <summary>
    /// The two-proportion z-test: z = (p̂b − p̂a) / √(p̂(1 − p̂)(1/na + 1/nb)) with the pooled
    /// p̂ = (xa + xb)/(na + nb), p = 2 P(Z ≥ |z|); the interval uses the unpooled
    /// SE = √(p̂a(1 − p̂a)/na + p̂b(1 − p̂b)/nb): (p̂b − p̂a) ± z((1 + level)/2) × SE, cut to [−1, 1].
    /// </summary>
    /// <param name="a">Group a: successes and trials.</param>
    /// <param name="b">Group b, likewise.</param>
    /// <param name="level">Confidence level of the intervals.</param>
    public static GroupComparison Proportions(ProportionCounts a, ProportionCounts b, double level = 0.95)
    {
        a.Check(nameof(a));
        b.Check(nameof(b));
        Quantiles.CheckLevel(level);
        const string method = ComparisonMethods.TwoProportionZ;
        var groupA = Group(a.Trials, Share(a), p => Math.Sqrt(p * (1 - p)));
        var groupB = Group(b.Trials, Share(b), p => Math.Sqrt(p * (1 - p)));
        if (TooFew(a.Trials, b.Trials) is { } tooFew)
        {
            return Unmeasured(method, level, groupA, groupB, tooFew);
        }

        var (pA, pB) = (groupA.Mean!.Value, groupB.Mean!.Value);
        var varianceA = pA * (1 - pA) / a.Trials;
        var varianceB = pB * (1 - pB) / b.Trials;
        var difference = pB - pA;
        var se = Math.Sqrt(varianceA + varianceB);
        var pooled = (double)(a.Successes + b.Successes) / (a.Trials + b.Trials);
        var pooledSe = Math.Sqrt(pooled * (1 - pooled) * (1.0 / a.Trials + 1.0 / b.Trials));
        var lift = Lift(pA, varianceA, pB, varianceB, level);
        if (pooledSe == 0)
        {
            return new GroupComparison(method, level, groupA, groupB, difference, se, null, null, null, null,
                "every member of both groups has the same outcome: nothing to test", lift.Value, lift.Interval, lift.Reason);
        }

        var z = difference / pooledSe;
        var pValue = Quantiles.TwoSidedNormalP(z);
        if (se == 0)
        {
            // 0 of one group against all of the other: the pooled test still speaks, the unpooled interval cannot.
            return new GroupComparison(method, level, groupA, groupB, difference, se, null, z, null, pValue,
                "each group's proportion is 0 or 1: the unpooled standard error is 0, so there is no interval",
                lift.Value, lift.Interval, lift.Reason);
        }
        var interval = ConfidenceInterval.Around(difference, Quantiles.NormalCritical(level) * se, -1, 1);
        return new GroupComparison(method, level, groupA, groupB, difference, se, interval, z, null, pValue,
            null, lift.Value, lift.Interval, lift.Reason);
    }

    /// <summary>
    /// The difference of two NPS: SE = √(SE²a + SE²b) with each SE = 100 √((p + d − (p − d)²)/n),
    /// z = (NPSb − NPSa) / SE, p = 2 P(Z ≥ |z|), the interval (NPSb − NPSa) ± z((1 + level)/2) × SE, cut to [−200, 200].
    /// </summary>
    /// <param name="a">Group a's answers by class.</param>
    /// <param name="b">Group b's, likewise.</param>
    /// <param name="level">Confidence level of the intervals.</param>
    public static GroupComparison Nps(NpsCounts a, NpsCounts b, double level = 0.95)
    {
        a.Check(nameof(a));
        b.Check(nameof(b));
        Quantiles.CheckLevel(level);
        const string method = ComparisonMethods.NpsDifferenceZ;
        var groupA = Group(a.Responses, a.Responses > 0 ? NetPromoterScore.Score(a) : null, _ => NetPromoterScore.PerAnswerStandardDeviation(a));
        var groupB = Group(b.Responses, b.Responses > 0 ? NetPromoterScore.Score(b) : null, _ => NetPromoterScore.PerAnswerStandardDeviation(b));
        if (TooFew(a.Responses, b.Responses) is { } tooFew)
        {
            return Unmeasured(method, level, groupA, groupB, tooFew);
        }

        var varianceA = Math.Pow(NetPromoterScore.StandardError(a), 2);
        var varianceB = Math.Pow(NetPromoterScore.StandardError(b), 2);
        return Tested(method, level, groupA, groupB, varianceA, varianceB, freedom: null, bound: 200);
    }

    /// <summary>
    /// b − a over SE = √(Var(a) + Var(b)): against Student t with <paramref name="freedom"/> degrees of
    /// freedom, or the normal distribution when it is null; the interval cut to ±<paramref name="bound"/>.
    /// </summary>
    private static GroupComparison Tested(string method, double level, SampleSummary a, SampleSummary b,
        double varianceA, double varianceB, double? freedom, double bound)
    {
        var (meanA, meanB) = (a.Mean!.Value, b.Mean!.Value);
        var difference = meanB - meanA;
        var se = Math.Sqrt(varianceA + varianceB);
        var lift = Lift(meanA, varianceA, meanB, varianceB, level);
        if (se == 0)
        {
            return new GroupComparison(method, level, a, b, difference, 0, null, null, null, null,
                NoVariance, lift.Value, lift.Interval, lift.Reason);
        }

        var statistic = difference / se;
        var (critical, pValue) = freedom is { } nu
            ? (Quantiles.StudentTCritical(level, nu), Quantiles.TwoSidedStudentTP(statistic, nu))
            : (Quantiles.NormalCritical(level), Quantiles.TwoSidedNormalP(statistic));
        var interval = ConfidenceInterval.Around(difference, critical * se, -bound, bound);
        return new GroupComparison(method, level, a, b, difference, se, interval, statistic, freedom, pValue,
            null, lift.Value, lift.Interval, lift.Reason);
    }

    private const string NoVariance = "neither group varies: the standard error of the difference is 0";

    private static double? Share(ProportionCounts counts) => counts.Trials > 0 ? (double)counts.Successes / counts.Trials : null;

    /// <summary>A group's n, mean and the standard deviation its standard error is built from (null below 2 members).</summary>
    private static SampleSummary Group(long n, double? mean, Func<double, double> standardDeviation) =>
        new(n, mean, n >= 2 ? standardDeviation(mean!.Value) : null);

    private static string? TooFew(long nA, long nB) => (nA, nB) switch
    {
        (< 2, _) => $"group a has {Members(nA)}; a variance needs at least 2",
        (_, < 2) => $"group b has {Members(nB)}; a variance needs at least 2",
        _ => null,
    };

    private static string Members(long n) => n == 0 ? "no members" : "1 member";

    /// <summary>Without a variance: the difference and lift when both groups have a mean, nothing that needs a standard error.</summary>
    private static GroupComparison Unmeasured(string method, double level, SampleSummary a, SampleSummary b, string reason)
    {
        var difference = b.Mean - a.Mean;
        var lift = a.Mean is { } meanA && b.Mean is { } meanB
            ? Lift(meanA, null, meanB, null, level)
            : (Value: null, Interval: null, Reason: reason);
        return new GroupComparison(method, level, a, b, difference, null, null, null, null, null, reason,
            lift.Value, lift.Interval, lift.Reason ?? reason);
    }

    /// <summary>
    /// The lift b/a − 1 and its delta-method interval: with R = b/a and independent groups,
    /// Var(R) ≈ Var(b)/a² + b²·Var(a)/a⁴, where Var(·) is the variance of each group's estimate
    /// (its standard error squared); the interval is (R − 1) ± z((1 + level)/2) × √Var(R).
    /// </summary>
    private static (double? Value, ConfidenceInterval? Interval, string? Reason) Lift(
        double meanA, double? varianceA, double meanB, double? varianceB, double level)
    {
        if (meanA <= 0)
        {
            return (null, null, "group a's mean is not positive, so b / a − 1 is no lift");
        }
        var lift = meanB / meanA - 1;
        if (varianceA is not { } va || varianceB is not { } vb)
        {
            return (lift, null, null);
        }
        var se = Math.Sqrt(vb / (meanA * meanA) + meanB * meanB * va / Math.Pow(meanA, 4));
        if (se == 0)
        {
            return (lift, null, NoVariance);
        }
        return (lift, ConfidenceInterval.Around(lift, Quantiles.NormalCritical(level) * se), null);
    }
}
