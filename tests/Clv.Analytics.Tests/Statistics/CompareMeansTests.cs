using Clv.Analytics.Statistics;

namespace Clv.Analytics.Tests.Statistics;

public class CompareMeansTests
{
    private static readonly SampleSummary IssueA = SampleSummary.Of([20.3, 22.1, 21.9]);
    private static readonly SampleSummary IssueB = SampleSummary.Of([18.9, 20.3, 19.0]);

    // By hand, a = (20.3, 22.1, 21.9): mean 64.3/3 = 21.43333, deviations −17/15, 10/15, 7/15,
    // squares (289 + 100 + 49)/225 = 438/225, s²a = 219/225 = 0.973333, s²a/3 = 219/675.
    // b = (18.9, 20.3, 19.0): mean 19.4, deviations −0.5, 0.9, −0.4, squares 1.22, s²b = 0.61, s²b/3 = 137.25/675.
    private const double VarianceOfMeanA = 219.0 / 675;
    private const double VarianceOfMeanB = 137.25 / 675;
    private const double Difference = 19.4 - 64.3 / 3; // −61/30 = −2.033333

    [Fact]
    public void Sample_summary_has_the_mean_and_the_standard_deviation_over_n_minus_1()
    {
        Assert.Equal(3, IssueA.N);
        Assert.Equal(64.3 / 3, IssueA.Mean!.Value, 12);
        Assert.Equal(Math.Sqrt(219.0 / 225), IssueA.StandardDeviation!.Value, 12);
        Assert.Equal(Math.Sqrt(0.61), IssueB.StandardDeviation!.Value, 12);
    }

    [Fact]
    public void Issue_groups_give_welch_t_2_79887_and_p_0_05181()
    {
        var result = CompareGroups.Means(IssueA, IssueB);

        Assert.Equal(ComparisonMethods.WelchT, result.Method);
        Assert.Equal(2.79887, Math.Abs(result.Statistic!.Value), 5);
        Assert.Equal(0.05181, result.PValue!.Value, 5);
        Assert.Equal(-61.0 / 30, result.Difference!.Value, 10);
    }

    [Fact]
    public void Issue_groups_standard_error_and_degrees_of_freedom_match_hand_computation()
    {
        var result = CompareGroups.Means(IssueA, IssueB);

        // SE² = (219 + 137.25)/675 = 356.25/675 = 0.527778, SE = 0.726483.
        // ν = SE⁴ / ((s²a/na)²/2 + (s²b/nb)²/2) = 356.25² / ((219² + 137.25²)/2) = 126,914.0625 / 33,399.28125 = 3.799904.
        Assert.Equal(Math.Sqrt(356.25 / 675), result.StandardError!.Value, 12);
        Assert.Equal(126_914.0625 / 33_399.28125, result.DegreesOfFreedom!.Value, 10);
        Assert.Equal(3.799904, result.DegreesOfFreedom.Value, 6);
    }

    [Fact]
    public void Issue_groups_interval_matches_hand_computation()
    {
        var result = CompareGroups.Means(IssueA, IssueB);

        // t(ν = 3.799904, 0.975) = 2.835066: computed with mpmath from the regularized incomplete beta
        // (P(T ≤ t) = 1 − I_{ν/(ν+t²)}(ν/2, 1/2)/2), at 30 digits; it lies between the table values
        // t(3, 0.975) = 3.182446 and t(4, 0.975) = 2.776445. −2.033333 ± 2.835066 × 0.726483 = [−4.092961, 0.026294].
        const double tQuantile = 2.835066;
        var se = Math.Sqrt(VarianceOfMeanA + VarianceOfMeanB);
        Assert.Equal(Difference - tQuantile * se, result.DifferenceInterval!.Value.Lower, 5);
        Assert.Equal(Difference + tQuantile * se, result.DifferenceInterval.Value.Upper, 5);
        Assert.Equal(-4.092961, result.DifferenceInterval.Value.Lower, 5);
    }

    [Fact]
    public void Interval_at_level_one_minus_the_issues_p_value_ends_at_zero()
    {
        // The two-sided test rejects at α exactly when the 1 − α interval excludes 0, so at the
        // issue's p = 0.05181 the interval's upper end is 0 (to the 4 digits those 4 of p carry).
        var result = CompareGroups.Means(IssueA, IssueB, level: 1 - 0.05181);

        Assert.Equal(0, result.DifferenceInterval!.Value.Upper, 4);
    }

    [Fact]
    public void Equal_sizes_and_variances_give_2_n_minus_2_degrees_of_freedom_and_the_table_quantile()
    {
        // (1, 2, 3) against (4, 5, 6): difference 3, s² = 1 each, SE = √(2/3), t = 3.674235,
        // ν = (2/3)² / ((1/3)²/2 + (1/3)²/2) = 4; t(4, 0.975) = 2.776445 (t table):
        // 3 ± 2.776445 × 0.816497 = [0.733042, 5.266958].
        var result = CompareGroups.Means(SampleSummary.Of([1, 2, 3]), SampleSummary.Of([4, 5, 6]));

        var se = Math.Sqrt(2.0 / 3);
        Assert.Equal(4, result.DegreesOfFreedom!.Value, 10);
        Assert.Equal(3 / se, result.Statistic!.Value, 10);
        Assert.Equal(3 - 2.776445 * se, result.DifferenceInterval!.Value.Lower, 5);
        Assert.Equal(3 + 2.776445 * se, result.DifferenceInterval.Value.Upper, 5);
    }

    [Fact]
    public void P_value_at_four_degrees_of_freedom_matches_the_closed_form()
    {
        // For ν = 4, P(T ≤ t) = 1/2 + (3/8) · (t/√(1 + t²/4)) · (1 − t²/(12(1 + t²/4))) (closed form of the t CDF).
        var result = CompareGroups.Means(SampleSummary.Of([1, 2, 3]), SampleSummary.Of([4, 5, 6]));

        var t = 3 / Math.Sqrt(2.0 / 3);
        var u = 1 + t * t / 4;
        var cdf = 0.5 + 3.0 / 8 * (t / Math.Sqrt(u)) * (1 - t * t / (12 * u));
        Assert.Equal(2 * (1 - cdf), result.PValue!.Value, 10);
        Assert.Equal(0.0213116, result.PValue.Value, 7);
    }

    [Fact]
    public void Relative_lift_interval_is_the_delta_method_on_the_ratio()
    {
        // a = (9, 10, 11), b = (11, 12, 13): means 10 and 12, s² = 1, Var(mean) = 1/3 each.
        // R = 1.2, lift 0.2; Var(R) ≈ Var(b)/a² + b²·Var(a)/a⁴ = (1/3)/100 + 144·(1/3)/10,000 = 0.0081333,
        // SE = 0.0901850; 0.2 ± 1.959964 × 0.0901850 = [0.023241, 0.376759].
        var result = CompareGroups.Means(SampleSummary.Of([9, 10, 11]), SampleSummary.Of([11, 12, 13]));

        var se = Math.Sqrt(1.0 / 300 + 144.0 / 30_000);
        Assert.Equal(0.2, result.RelativeLift!.Value, 12);
        Assert.Equal(0.2 - 1.959964 * se, result.RelativeLiftInterval!.Value.Lower, 5);
        Assert.Equal(0.2 + 1.959964 * se, result.RelativeLiftInterval.Value.Upper, 5);
        Assert.Equal(0.023241, result.RelativeLiftInterval.Value.Lower, 5);
    }

    [Fact]
    public void A_group_of_one_has_a_difference_but_no_figure_that_needs_a_variance()
    {
        var result = CompareGroups.Means(new SampleSummary(1, 10, null), IssueB);

        Assert.Equal(19.4 - 10, result.Difference!.Value, 12);
        Assert.Equal(0.94, result.RelativeLift!.Value, 12);
        Assert.Null(result.StandardError);
        Assert.Null(result.DifferenceInterval);
        Assert.Null(result.Statistic);
        Assert.Null(result.DegreesOfFreedom);
        Assert.Null(result.PValue);
        Assert.Null(result.RelativeLiftInterval);
        Assert.Equal("group a has 1 member; a variance needs at least 2", result.Reason);
        Assert.Equal(result.Reason, result.RelativeLiftReason);
    }

    [Fact]
    public void An_empty_group_has_no_difference()
    {
        var result = CompareGroups.Means(IssueA, new SampleSummary(0, null, null));

        Assert.Null(result.Difference);
        Assert.Null(result.RelativeLift);
        Assert.Equal("group b has no members; a variance needs at least 2", result.Reason);
    }

    [Fact]
    public void Groups_without_spread_have_no_test()
    {
        var result = CompareGroups.Means(SampleSummary.Of([5, 5]), SampleSummary.Of([7, 7, 7]));

        Assert.Equal(2, result.Difference!.Value, 12);
        Assert.Equal(0, result.StandardError);
        Assert.Null(result.PValue);
        Assert.Null(result.DifferenceInterval);
        Assert.NotNull(result.Reason);
    }

    [Fact]
    public void A_baseline_mean_that_is_not_positive_has_no_lift()
    {
        var result = CompareGroups.Means(SampleSummary.Of([-1, 0, 1]), IssueB);

        Assert.NotNull(result.PValue);
        Assert.Null(result.RelativeLift);
        Assert.Contains("not positive", result.RelativeLiftReason, StringComparison.Ordinal);
    }
}
