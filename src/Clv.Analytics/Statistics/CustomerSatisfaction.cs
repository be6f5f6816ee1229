namespace Clv.Analytics.Statistics;

/// <summary>The CSAT of a group of answers.</summary>
/// <param name="Responses">Answers.</param>
/// <param name="Satisfied">Answers scored 4 or 5.</param>
/// <param name="Csat">Satisfied / Responses, 0..1; null without answers.</param>
/// <param name="Interval">The Wilson score interval of that share; null without answers.</param>
/// <param name="Level">The interval's confidence level.</param>
/// <param name="Reason">Why a figure is null; null when none is.</param>
public sealed record CsatSummary(long Responses, long Satisfied, double? Csat, ConfidenceInterval? Interval, double Level, string? Reason);

/// <summary>Customer satisfaction (CSAT): the share of 4s and 5s among 1..5 answers.</summary>
public static class CustomerSatisfaction
{
    /// <summary>The lowest CSAT answer.</summary>
    public const int MinScore = 1;

    /// <summary>The highest CSAT answer.</summary>
    public const int MaxScore = 5;

    /// <summary>Whether a 1..5 answer counts as satisfied (4 or 5).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The score is outside 1..5.</exception>
    public static bool IsSatisfied(int score) => score switch
    {
        < MinScore or > MaxScore => throw new ArgumentOutOfRangeException(nameof(score), score, "A CSAT answer is an integer from 1 to 5."),
        >= 4 => true,
        _ => false,
    };

    /// <summary>
    /// CSAT = satisfied / responses with its Wilson interval at <paramref name="level"/>. The Wilson
    /// interval needs no sample variance, so one answer has one.
    /// </summary>
    public static CsatSummary Summarize(long satisfied, long responses, double level = 0.95)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(satisfied);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(satisfied, responses);
        Quantiles.CheckLevel(level);
        if (responses == 0)
        {
            return new CsatSummary(0, 0, null, null, level, "no responses");
        }
        return new CsatSummary(responses, satisfied, (double)satisfied / responses,
            ConfidenceInterval.Wilson(satisfied, responses, level), level, null);
    }
}
