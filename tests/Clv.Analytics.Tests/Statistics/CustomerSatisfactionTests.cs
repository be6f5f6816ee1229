using Clv.Analytics.Statistics;

namespace Clv.Analytics.Tests.Statistics;

public class CustomerSatisfactionTests
{
    [Theory]
    [InlineData(1, false)]
    [InlineData(3, false)]
    [InlineData(4, true)]
    [InlineData(5, true)]
    public void Fours_and_fives_are_satisfied(int score, bool expected)
    {
        Assert.Equal(expected, CustomerSatisfaction.IsSatisfied(score));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(6)]
    public void A_score_outside_1_to_5_is_refused(int score)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => CustomerSatisfaction.IsSatisfied(score));
    }

    // Newcombe (1998), "Two-sided confidence intervals for the single proportion: comparison of seven
    // methods", Statistics in Medicine 17:857–872, Table II, method 3 (Wilson score, no continuity correction).
    [Theory]
    [InlineData(81, 263, 0.2553, 0.3662)]
    [InlineData(15, 148, 0.0624, 0.1605)]
    [InlineData(0, 20, 0.0000, 0.1611)]
    [InlineData(1, 29, 0.0061, 0.1718)]
    public void Wilson_interval_matches_newcombes_worked_examples(long successes, long trials, double lower, double upper)
    {
        var interval = ConfidenceInterval.Wilson(successes, trials);

        Assert.Equal(lower, interval.Lower, 4);
        Assert.Equal(upper, interval.Upper, 4);
    }

    [Fact]
    public void Csat_is_the_share_of_satisfied_answers_with_its_wilson_interval()
    {
        var summary = CustomerSatisfaction.Summarize(satisfied: 81, responses: 263);

        Assert.Equal(81.0 / 263, summary.Csat!.Value, 12);
        Assert.Equal(0.2553, summary.Interval!.Value.Lower, 4);
        Assert.Equal(0.3662, summary.Interval.Value.Upper, 4);
    }

    [Fact]
    public void One_answer_has_a_wilson_interval()
    {
        // 1 of 1 at z = 1.959964: centre (1 + z²/2)/(1 + z²), half z/(1 + z²) × √(0 + z²/4) = (z²/2)/(1 + z²),
        // so the lower bound is 1/(1 + z²) = 1/4.841459 = 0.206549 and the upper 1.
        var summary = CustomerSatisfaction.Summarize(satisfied: 1, responses: 1);

        Assert.Equal(1, summary.Csat);
        Assert.Equal(0.206549, summary.Interval!.Value.Lower, 5);
        Assert.Equal(1, summary.Interval.Value.Upper, 12);
    }

    [Fact]
    public void No_answers_have_no_csat()
    {
        var summary = CustomerSatisfaction.Summarize(0, 0);

        Assert.Null(summary.Csat);
        Assert.Null(summary.Interval);
        Assert.Equal("no responses", summary.Reason);
    }
}
