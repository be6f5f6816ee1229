using Clv.Api.Portfolio;

namespace Clv.Api.Tests.Portfolio;

/// <summary>
/// The rule a read applies to a kept answer under a staleness bound of 5 s (docs/read-model.md,
/// "Answers and freshness"): served within the bound, or up to twice its computation time when
/// that is longer, or while a refresh is under way; refreshed from half the bound, or from the
/// bound less the last computation's time. Each case is worked out from that rule by hand.
/// </summary>
public sealed class KeptAnswerUseTests
{
    [Theory]
    // A quick answer (0.1 s): kept for the bound, refreshed from its half, computed by the reader past it.
    [InlineData(1.0, 0.1, false, true, false)]
    [InlineData(2.4, 0.1, false, true, false)]
    [InlineData(2.6, 0.1, false, true, true)]
    [InlineData(4.9, 0.1, false, true, true)]
    [InlineData(5.1, 0.1, false, false, false)]
    // Past the bound while its refresh is queued or runs: served as it is.
    [InlineData(5.1, 0.1, true, true, true)]
    // Computing in 4 s: refreshed from 5 − 4 = 1 s, so that the refresh ends within the bound.
    [InlineData(0.9, 4.0, false, true, false)]
    [InlineData(1.1, 4.0, false, true, true)]
    // Served up to 2 × 4 = 8 s old; past that, with no refresh under way, the reader computes it.
    [InlineData(7.9, 4.0, false, true, true)]
    [InlineData(8.1, 4.0, false, false, false)]
    // Computing in 6 s, longer than the bound: refreshed at once, served up to 12 s old.
    [InlineData(0.0, 6.0, false, true, true)]
    [InlineData(11.9, 6.0, false, true, true)]
    [InlineData(12.1, 6.0, false, false, false)]
    public void A_kept_answer_is_served_and_refreshed_as_the_rule_says(double age, double took, bool refreshUnderWay, bool served, bool refreshed)
    {
        var use = AnalyticsAnswers.KeptAnswerUse(TimeSpan.FromSeconds(age), TimeSpan.FromSeconds(took), TimeSpan.FromSeconds(5), refreshUnderWay);

        Assert.Equal((served, refreshed), use);
    }
}
