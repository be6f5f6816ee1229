using Clv.Analytics.Statistics;

namespace Clv.Analytics.Tests.Statistics;

public class CompareProportionsTests
{
    // Retention of two hand-built cohorts: a keeps 30 of 50 (0.6), b keeps 42 of 60 (0.7).
    private static readonly ProportionCounts CohortA = new(30, 50);
    private static readonly ProportionCounts CohortB = new(42, 60);

    [Fact]
    public void Z_and_p_value_come_from_the_pooled_standard_error()
    {
        var result = CompareGroups.Proportions(CohortA, CohortB);

        // Pooled p = 72/110 = 0.654545; SE0 = √(0.654545 × 0.345455 × (1/50 + 1/60)) = √0.00829091 = 0.0910544;
        // z = 0.1/0.0910544 = 1.098244. Two-sided p = erfc(z/√2) = 0.272098 (mpmath, 30 digits;
        // a normal table's Φ(1.10) = 0.86433 gives 2 × 0.13567 = 0.2713 at the rounded z).
        var pooledSe = Math.Sqrt(72.0 / 110 * (38.0 / 110) * (1.0 / 50 + 1.0 / 60));
        Assert.Equal(ComparisonMethods.TwoProportionZ, result.Method);
        Assert.Equal(0.1 / pooledSe, result.Statistic!.Value, 10);
        Assert.Equal(1.098244, result.Statistic.Value, 6);
        Assert.Equal(0.272098, result.PValue!.Value, 6);
        Assert.Null(result.DegreesOfFreedom);
    }

    [Fact]
    public void Interval_for_the_difference_uses_the_unpooled_standard_error()
    {
        var result = CompareGroups.Proportions(CohortA, CohortB);

        // SE = √(0.6 × 0.4/50 + 0.7 × 0.3/60) = √(0.0048 + 0.0035) = √0.0083 = 0.0911043;
        // 0.1 ± 1.959964 × 0.0911043 = [−0.078561, 0.278561].
        var se = Math.Sqrt(0.0083);
        Assert.Equal(0.1, result.Difference!.Value, 12);
        Assert.Equal(se, result.StandardError!.Value, 12);
        Assert.Equal(0.1 - 1.959964 * se, result.DifferenceInterval!.Value.Lower, 5);
        Assert.Equal(0.1 + 1.959964 * se, result.DifferenceInterval.Value.Upper, 5);
        Assert.Equal(-0.078561, result.DifferenceInterval.Value.Lower, 5);
    }

    [Fact]
    public void Groups_report_the_proportion_and_the_standard_deviation_behind_their_standard_error()
    {
        var result = CompareGroups.Proportions(CohortA, CohortB);

        // √(p(1 − p)): √0.24 for 0.6, √0.21 for 0.7, so that SE = sd/√n.
        Assert.Equal(50, result.A.N);
        Assert.Equal(0.6, result.A.Mean!.Value, 12);
        Assert.Equal(Math.Sqrt(0.24), result.A.StandardDeviation!.Value, 12);
        Assert.Equal(Math.Sqrt(0.21), result.B.StandardDeviation!.Value, 12);
    }

    [Fact]
    public void Relative_lift_interval_is_the_delta_method_on_the_ratio()
    {
        var result = CompareGroups.Proportions(CohortA, CohortB);

        // R = 0.7/0.6 = 7/6, lift 1/6; Var(R) ≈ Var(b)/a² + b²·Var(a)/a⁴ = 0.0035/0.36 + 0.49 × 0.0048/0.1296
        // = 0.0097222 + 0.0181481 = 0.0278704, SE = 0.1669442; 1/6 ± 1.959964 × 0.1669442 = [−0.160538, 0.493871].
        var se = Math.Sqrt(0.0035 / 0.36 + 0.49 * 0.0048 / 0.1296);
        Assert.Equal(1.0 / 6, result.RelativeLift!.Value, 12);
        Assert.Equal(1.0 / 6 - 1.959964 * se, result.RelativeLiftInterval!.Value.Lower, 5);
        Assert.Equal(1.0 / 6 + 1.959964 * se, result.RelativeLiftInterval.Value.Upper, 5);
        Assert.Equal(0.493871, result.RelativeLiftInterval.Value.Upper, 5);
    }

    [Fact]
    public void None_against_all_has_a_p_value_but_no_interval()
    {
        // 0 of 5 against 5 of 5: pooled 0.5, SE0 = √(0.25 × 0.4) = √0.1, z = 1/√0.1 = 3.162278,
        // p = erfc(z/√2) = 0.00156540 (mpmath); each unpooled variance is 0.
        var result = CompareGroups.Proportions(new ProportionCounts(0, 5), new ProportionCounts(5, 5));

        Assert.Equal(1 / Math.Sqrt(0.1), result.Statistic!.Value, 10);
        Assert.Equal(0.0015654, result.PValue!.Value, 7);
        Assert.Null(result.DifferenceInterval);
        Assert.Contains("unpooled standard error is 0", result.Reason, StringComparison.Ordinal);
        Assert.Null(result.RelativeLift);
    }

    [Fact]
    public void The_same_outcome_everywhere_has_nothing_to_test()
    {
        var result = CompareGroups.Proportions(new ProportionCounts(0, 40), new ProportionCounts(0, 30));

        Assert.Equal(0, result.Difference);
        Assert.Null(result.Statistic);
        Assert.Null(result.PValue);
        Assert.NotNull(result.Reason);
    }

    [Fact]
    public void A_group_of_one_has_no_figure_that_needs_a_variance()
    {
        var result = CompareGroups.Proportions(CohortA, new ProportionCounts(1, 1));

        Assert.Equal(0.4, result.Difference!.Value, 12);
        Assert.Null(result.B.StandardDeviation);
        Assert.Null(result.PValue);
        Assert.Null(result.DifferenceInterval);
        Assert.Equal("group b has 1 member; a variance needs at least 2", result.Reason);
    }

    [Fact]
    public void More_successes_than_trials_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => CompareGroups.Proportions(new ProportionCounts(6, 5), CohortB));
    }
}
