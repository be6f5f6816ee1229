namespace Clv.Analytics.Statistics;

/// <summary>The class of an NPS answer: detractor 0–6, passive 7–8, promoter 9–10.</summary>
public enum NpsClass
{
    /// <summary>Scored 0 to 6.</summary>
    Detractor,

    /// <summary>Scored 7 or 8.</summary>
    Passive,

    /// <summary>Scored 9 or 10.</summary>
    Promoter,
}

/// <summary>NPS answers counted by class.</summary>
/// <param name="Promoters">Answers scored 9–10.</param>
/// <param name="Passives">Answers scored 7–8.</param>
/// <param name="Detractors">Answers scored 0–6.</param>
public readonly record struct NpsCounts(long Promoters, long Passives, long Detractors)
{
    /// <summary>All answers counted.</summary>
    public long Responses => Promoters + Passives + Detractors;

    /// <summary>Counts the classes of 0..10 scores.</summary>
    public static NpsCounts Tally(IEnumerable<int> scores)
    {
        ArgumentNullException.ThrowIfNull(scores);
        long promoters = 0, passives = 0, detractors = 0;
        foreach (var score in scores)
        {
            switch (NetPromoterScore.Classify(score))
            {
                case NpsClass.Promoter: promoters++; break;
                case NpsClass.Passive: passives++; break;
                default: detractors++; break;
            }
        }
        return new NpsCounts(promoters, passives, detractors);
    }

    internal void Check(string name)
    {
        if (Promoters < 0 || Passives < 0 || Detractors < 0)
        {
            throw new ArgumentOutOfRangeException(name, this, "NPS counts cannot be negative.");
        }
    }
}

/// <summary>The NPS of a group of answers.</summary>
/// <param name="Responses">Answers.</param>
/// <param name="Promoters">Answers scored 9–10.</param>
/// <param name="Passives">Answers scored 7–8.</param>
/// <param name="Detractors">Answers scored 0–6.</param>
/// <param name="Nps">100 × (p − d), −100..100, with p and d the shares of promoters and detractors; null without answers.</param>
/// <param name="StandardError">100 × √((p + d − (p − d)²) / n); null with fewer than 2 answers.</param>
/// <param name="Interval">Nps ± z × StandardError (normal approximation), cut to [−100, 100]; null with fewer than 2 answers.</param>
/// <param name="Level">The interval's confidence level.</param>
/// <param name="Reason">Why a figure is null; null when none is.</param>
public sealed record NpsSummary(
    long Responses,
    long Promoters,
    long Passives,
    long Detractors,
    double? Nps,
    double? StandardError,
    ConfidenceInterval? Interval,
    double Level,
    string? Reason);

/// <summary>Net Promoter Score: classes, score and its standard error.</summary>
public static class NetPromoterScore
{
    /// <summary>The lowest NPS answer.</summary>
    public const int MinScore = 0;

    /// <summary>The highest NPS answer.</summary>
    public const int MaxScore = 10;

    /// <summary>The class of a 0..10 answer.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The score is outside 0..10.</exception>
    public static NpsClass Classify(int score) => score switch
    {
        < MinScore or > MaxScore => throw new ArgumentOutOfRangeException(nameof(score), score, "An NPS answer is an integer from 0 to 10."),
        >= 9 => NpsClass.Promoter,
        >= 7 => NpsClass.Passive,
        _ => NpsClass.Detractor,
    };

    /// <summary>
    /// NPS = 100 × (p − d), its standard error 100 × √((p + d − (p − d)²) / n) (the standard deviation
    /// of answers valued +100, 0 and −100, over √n) and the normal-approximation interval at
    /// <paramref name="level"/>, cut to [−100, 100].
    /// </summary>
    public static NpsSummary Summarize(NpsCounts counts, double level = 0.95)
    {
        counts.Check(nameof(counts));
        var z = Quantiles.NormalCritical(level);
        var n = counts.Responses;
        if (n == 0)
        {
            return new NpsSummary(0, 0, 0, 0, null, null, null, level, "no responses");
        }
        var nps = Score(counts);
        if (n < 2)
        {
            return new NpsSummary(n, counts.Promoters, counts.Passives, counts.Detractors, nps, null, null, level,
                "fewer than 2 responses: no standard error");
        }
        var se = StandardError(counts);
        return new NpsSummary(n, counts.Promoters, counts.Passives, counts.Detractors, nps, se,
            ConfidenceInterval.Around(nps, z * se, -100, 100), level, null);
    }

    /// <summary>100 × (p − d); the counts hold at least one answer.</summary>
    internal static double Score(NpsCounts counts) => 100.0 * (counts.Promoters - counts.Detractors) / counts.Responses;

    /// <summary>100 × √((p + d − (p − d)²) / n); the counts hold at least one answer.</summary>
    internal static double StandardError(NpsCounts counts) => PerAnswerStandardDeviation(counts) / Math.Sqrt(counts.Responses);

    /// <summary>100 × √(p + d − (p − d)²): the standard deviation (over n) of answers valued +100, 0 and −100.</summary>
    internal static double PerAnswerStandardDeviation(NpsCounts counts)
    {
        double n = counts.Responses;
        var p = counts.Promoters / n;
        var d = counts.Detractors / n;
        // p + d − (p − d)² ≥ 0 in exact arithmetic; rounding can leave −1e−17 when p + d = 1 and p or d is 1.
        return 100 * Math.Sqrt(Math.Max(0, p + d - (p - d) * (p - d)));
    }
}
