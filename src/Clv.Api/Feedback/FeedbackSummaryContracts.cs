using Clv.Analytics.Statistics;
using Clv.Api.Statistics;
using Clv.Data.Analytics.ReadModel;

namespace Clv.Api.Feedback;

/// <summary>NPS and CSAT per group.</summary>
public sealed class FeedbackSummaryResponse
{
    /// <summary>What the groups are by.</summary>
    /// <example>npsClass</example>
    public required string By { get; init; }

    /// <summary>The day the groups stand at.</summary>
    public DateOnly AsOf { get; init; }

    /// <summary>Every write acknowledged before this time (UTC) is included; later ones may not be. Also the <c>Clv-Data-Through</c> header.</summary>
    public DateTimeOffset DataThrough { get; init; }

    /// <summary>First day of the answers counted; null for all time.</summary>
    public DateOnly? From { get; init; }

    /// <summary>Last day of the answers counted.</summary>
    public DateOnly To { get; init; }

    /// <summary>The confidence level of the intervals.</summary>
    /// <example>0.95</example>
    public double Level { get; init; }

    /// <summary>The groups, most NPS responses first.</summary>
    public required List<FeedbackGroupResponse> Groups { get; init; }
}

/// <summary>
/// One group's NPS and CSAT: each customer of the group counts once per survey, by their latest
/// answer given in [from, to] (docs/metrics.md, "Feedback").
/// </summary>
public sealed class FeedbackGroupResponse
{
    /// <summary>The group key, as segments name it.</summary>
    /// <example>paid_search</example>
    public required string Key { get; init; }

    /// <summary>NPS responses: customers with an NPS answer in the range.</summary>
    /// <example>11</example>
    public long Responses { get; init; }

    /// <summary>Of them, latest answer 9–10.</summary>
    /// <example>2</example>
    public long Promoters { get; init; }

    /// <summary>Of them, latest answer 7–8.</summary>
    /// <example>2</example>
    public long Passives { get; init; }

    /// <summary>Of them, latest answer 0–6.</summary>
    /// <example>7</example>
    public long Detractors { get; init; }

    /// <summary>100 × (promoters − detractors) ÷ responses; null without responses.</summary>
    /// <example>-45.45</example>
    public double? Nps { get; init; }

    /// <summary>100 × √((p + d − (p − d)²) / n); null below 2 responses.</summary>
    /// <example>23.58</example>
    public double? NpsStandardError { get; init; }

    /// <summary>nps ± z × npsStandardError (normal approximation), cut to [−100, 100]; null below 2 responses.</summary>
    public IntervalResponse? NpsInterval { get; init; }

    /// <summary>Why an NPS figure is null; null when none is.</summary>
    public string? NpsReason { get; init; }

    /// <summary>CSAT responses: customers with a CSAT answer in the range.</summary>
    /// <example>40</example>
    public long CsatResponses { get; init; }

    /// <summary>The share of latest CSAT answers of 4 or 5, 0..1; null without responses.</summary>
    /// <example>0.8</example>
    public double? Csat { get; init; }

    /// <summary>The Wilson score interval of csat; null without responses.</summary>
    public IntervalResponse? CsatInterval { get; init; }

    /// <summary>Why a CSAT figure is null; null when none is.</summary>
    public string? CsatReason { get; init; }

    /// <summary>The group's figures at <paramref name="level"/>.</summary>
    public static FeedbackGroupResponse From(FeedbackCounts counts, double level)
    {
        ArgumentNullException.ThrowIfNull(counts);
        var nps = NetPromoterScore.Summarize(counts.Nps, level);
        var csat = CustomerSatisfaction.Summarize(counts.CsatSatisfied, counts.CsatResponses, level);
        return new FeedbackGroupResponse
        {
            Key = counts.Key,
            Responses = nps.Responses,
            Promoters = nps.Promoters,
            Passives = nps.Passives,
            Detractors = nps.Detractors,
            Nps = nps.Nps,
            NpsStandardError = nps.StandardError,
            NpsInterval = IntervalResponse.From(nps.Interval),
            NpsReason = nps.Reason,
            CsatResponses = csat.Responses,
            Csat = csat.Csat,
            CsatInterval = IntervalResponse.From(csat.Interval),
            CsatReason = csat.Reason,
        };
    }
}
