using Clv.Analytics.Statistics;

namespace Clv.Analytics.Tests.Statistics;

public class CompareNpsTests
{
    // a: one answer at each score 0..10 (2 promoters, 2 passives, 7 detractors): NPS −500/11 = −45.4545,
    //    SE² = 100² × 74/1331 = 555.9730.
    // b: 6 promoters, 3 passives, 1 detractor: NPS 100 × (0.6 − 0.1) = 50,
    //    SE² = 100² × (0.7 − 0.25)/10 = 450.
    private static readonly NpsCounts GroupA = new(2, 2, 7);
    private static readonly NpsCounts GroupB = new(6, 3, 1);

    [Fact]
    public void Difference_of_two_nps_combines_their_standard_errors()
    {
        var result = CompareGroups.Nps(GroupA, GroupB);

        // Difference 50 + 500/11 = 95.454545; SE = √(555.9730 + 450) = 31.717077; z = 3.009563;
        // p = erfc(z/√2) = 0.00261624 (mpmath, 30 digits).
        var se = Math.Sqrt(10_000 * 74.0 / 1331 + 450);
        Assert.Equal(ComparisonMethods.NpsDifferenceZ, result.Method);
        Assert.Equal(50 + 500.0 / 11, result.Difference!.Value, 10);
        Assert.Equal(se, result.StandardError!.Value, 10);
        Assert.Equal(31.717077, se, 6);
        Assert.Equal((50 + 500.0 / 11) / se, result.Statistic!.Value, 10);
        Assert.Equal(0.00261624, result.PValue!.Value, 8);
    }

    [Fact]
    public void Interval_is_the_difference_plus_or_minus_z_standard_errors()
    {
        var result = CompareGroups.Nps(GroupA, GroupB);

        // 95.454545 ± 1.959964 × 31.717077 = [33.2902, 157.6189].
        var se = Math.Sqrt(10_000 * 74.0 / 1331 + 450);
        Assert.Equal(50 + 500.0 / 11 - 1.959964 * se, result.DifferenceInterval!.Value.Lower, 4);
        Assert.Equal(50 + 500.0 / 11 + 1.959964 * se, result.DifferenceInterval.Value.Upper, 4);
    }

    [Fact]
    public void Groups_report_nps_and_the_per_answer_standard_deviation()
    {
        var result = CompareGroups.Nps(GroupA, GroupB);

        // 100 √(p + d − (p − d)²), so that SE = sd/√n: b has 100 √0.45.
        Assert.Equal(10, result.B.N);
        Assert.Equal(50, result.B.Mean!.Value, 10);
        Assert.Equal(100 * Math.Sqrt(0.45), result.B.StandardDeviation!.Value, 10);
    }

    [Fact]
    public void A_negative_baseline_nps_has_no_relative_lift()
    {
        var result = CompareGroups.Nps(GroupA, GroupB);

        Assert.Null(result.RelativeLift);
        Assert.Null(result.RelativeLiftInterval);
        Assert.Contains("not positive", result.RelativeLiftReason, StringComparison.Ordinal);
    }

    [Fact]
    public void Relative_lift_of_a_positive_baseline_is_the_delta_method_on_the_ratio()
    {
        // a = b's counts (NPS 50, SE² 450) against c = 8 promoters, 2 passives (NPS 80, SE² = 100² × (0.8 − 0.64)/10 = 160).
        // R = 1.6, lift 0.6; Var(R) ≈ 160/50² + 80² × 450/50⁴ = 0.064 + 0.4608 = 0.5248; 0.6 ± 1.959964 × √0.5248.
        var result = CompareGroups.Nps(GroupB, new NpsCounts(8, 2, 0));

        Assert.Equal(0.6, result.RelativeLift!.Value, 10);
        Assert.Equal(0.6 - 1.959964 * Math.Sqrt(0.5248), result.RelativeLiftInterval!.Value.Lower, 5);
        Assert.Equal(0.6 + 1.959964 * Math.Sqrt(0.5248), result.RelativeLiftInterval.Value.Upper, 5);
    }

    [Fact]
    public void A_single_answer_has_no_figure_that_needs_a_variance()
    {
        var result = CompareGroups.Nps(new NpsCounts(0, 0, 1), GroupB);

        Assert.Equal(150, result.Difference!.Value, 10);
        Assert.Null(result.A.StandardDeviation);
        Assert.Null(result.StandardError);
        Assert.Null(result.PValue);
        Assert.Equal("group a has 1 member; a variance needs at least 2", result.Reason);
    }
}
