using Clv.Analytics.Statistics;

namespace Clv.Analytics.Tests.Statistics;

public class NetPromoterScoreTests
{
    // z at 0.975 from a standard normal table: 1.959964.
    private const double Z95 = 1.959964;

    [Theory]
    [InlineData(0, NpsClass.Detractor)]
    [InlineData(6, NpsClass.Detractor)]
    [InlineData(7, NpsClass.Passive)]
    [InlineData(8, NpsClass.Passive)]
    [InlineData(9, NpsClass.Promoter)]
    [InlineData(10, NpsClass.Promoter)]
    public void Scores_fall_into_detractors_0_to_6_passives_7_to_8_promoters_9_to_10(int score, NpsClass expected)
    {
        Assert.Equal(expected, NetPromoterScore.Classify(score));
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(11)]
    public void A_score_outside_0_to_10_is_refused(int score)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => NetPromoterScore.Classify(score));
    }

    [Fact]
    public void One_response_at_each_score_gives_nps_minus_45_45()
    {
        var summary = NetPromoterScore.Summarize(NpsCounts.Tally(Enumerable.Range(0, 11)));

        // 9 and 10 promote, 7 and 8 are passive, 0..6 detract: 2, 2 and 7 of 11; 100 × (2 − 7)/11 = −45.4545.
        Assert.Equal((2, 2, 7, 11), (summary.Promoters, summary.Passives, summary.Detractors, summary.Responses));
        Assert.Equal(-45.45, summary.Nps!.Value, 2);
        Assert.Equal(-500.0 / 11, summary.Nps.Value, 10);
    }

    [Fact]
    public void Standard_error_and_interval_match_hand_computation()
    {
        var summary = NetPromoterScore.Summarize(new NpsCounts(Promoters: 2, Passives: 2, Detractors: 7));

        // p = 2/11, d = 7/11: p + d − (p − d)² = 9/11 − 25/121 = 74/121; over n = 11: 74/1331.
        // SE = 100 √(74/1331) = 23.57908; interval −45.4545 ± 1.959964 × 23.57908 = [−91.6687, 0.7596].
        var se = 100 * Math.Sqrt(74.0 / 1331);
        Assert.Equal(23.57908, se, 5);
        Assert.Equal(se, summary.StandardError!.Value, 10);
        Assert.Equal(-500.0 / 11 - Z95 * se, summary.Interval!.Value.Lower, 4);
        Assert.Equal(-500.0 / 11 + Z95 * se, summary.Interval.Value.Upper, 4);
        Assert.Null(summary.Reason);
    }

    [Fact]
    public void Interval_at_90_percent_uses_z_1_644854()
    {
        var summary = NetPromoterScore.Summarize(new NpsCounts(2, 2, 7), level: 0.90);

        // z at 0.95 from a standard normal table: 1.644854.
        var se = 100 * Math.Sqrt(74.0 / 1331);
        Assert.Equal(-500.0 / 11 + 1.644854 * se, summary.Interval!.Value.Upper, 4);
        Assert.Equal(0.90, summary.Level);
    }

    [Fact]
    public void Interval_is_cut_to_minus_100_and_100()
    {
        // 9 promoters and 1 passive of 10: NPS 90, SE = 100 √((0.9 − 0.81)/10) = 9.4868; 90 + 1.96 × 9.49 = 108.6 → 100.
        var summary = NetPromoterScore.Summarize(new NpsCounts(9, 1, 0));

        Assert.Equal(100 * Math.Sqrt(0.009), summary.StandardError!.Value, 10);
        Assert.Equal(90 - Z95 * 100 * Math.Sqrt(0.009), summary.Interval!.Value.Lower, 4);
        Assert.Equal(100, summary.Interval.Value.Upper);
    }

    [Fact]
    public void One_response_has_a_score_but_no_standard_error()
    {
        var summary = NetPromoterScore.Summarize(new NpsCounts(1, 0, 0));

        Assert.Equal(100, summary.Nps);
        Assert.Null(summary.StandardError);
        Assert.Null(summary.Interval);
        Assert.Contains("fewer than 2", summary.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void No_responses_have_no_score()
    {
        var summary = NetPromoterScore.Summarize(default);

        Assert.Null(summary.Nps);
        Assert.Equal("no responses", summary.Reason);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(double.NaN)]
    public void A_level_outside_0_to_1_is_refused(double level)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => NetPromoterScore.Summarize(new NpsCounts(2, 2, 7), level));
    }
}
