using Clv.Analytics.Statistics;
using Clv.Api.Statistics;

namespace Clv.Api.Compare;

/// <summary>Group b against group a on one metric, with intervals and a p-value (docs/metrics.md, "Comparing two groups").</summary>
public sealed class CompareResponse
{
    /// <summary>What the groups are by.</summary>
    /// <example>npsClass</example>
    public required string By { get; init; }

    /// <summary>The metric compared.</summary>
    /// <example>historicalClv</example>
    public required string Metric { get; init; }

    /// <summary>The day the figures stand at.</summary>
    public DateOnly AsOf { get; init; }

    /// <summary>Every write acknowledged before this time (UTC) is included; later ones may not be. Also the <c>Clv-Data-Through</c> header.</summary>
    public DateTimeOffset DataThrough { get; init; }

    /// <summary>First acquisition day of the customers compared; null for all time (with <c>to</c> also absent, every customer).</summary>
    public DateOnly? From { get; init; }

    /// <summary>Last acquisition day of the customers compared; null when neither from nor to was given (every customer).</summary>
    public DateOnly? To { get; init; }

    /// <summary>The period of <c>retained</c> (the last complete one).</summary>
    /// <example>month</example>
    public required string Period { get; init; }

    /// <summary><c>welch-t</c> (means), <c>two-proportion-z</c> (rates) or <c>nps-difference-z</c>.</summary>
    /// <example>welch-t</example>
    public required string Method { get; init; }

    /// <summary>The confidence level of the intervals.</summary>
    /// <example>0.95</example>
    public double Level { get; init; }

    /// <summary>Group a.</summary>
    public required CompareGroupResponse A { get; init; }

    /// <summary>Group b.</summary>
    public required CompareGroupResponse B { get; init; }

    /// <summary>mean of b − mean of a; null when a group has no members.</summary>
    public double? Difference { get; init; }

    /// <summary>The standard error of the difference its interval uses (unpooled for rates).</summary>
    public double? StandardError { get; init; }

    /// <summary>The difference ± the critical value × standardError.</summary>
    public IntervalResponse? DifferenceInterval { get; init; }

    /// <summary>The test statistic: Welch's t for means, z otherwise.</summary>
    public double? Statistic { get; init; }

    /// <summary>Welch–Satterthwaite degrees of freedom (means only).</summary>
    public double? DegreesOfFreedom { get; init; }

    /// <summary>Two-sided p-value of no difference.</summary>
    public double? PValue { get; init; }

    /// <summary>Why a figure that needs a variance is null; null when none is.</summary>
    public string? Reason { get; init; }

    /// <summary>mean of b ÷ mean of a − 1; null unless a's mean is positive.</summary>
    public double? RelativeLift { get; init; }

    /// <summary>The lift ± z × its delta-method standard error.</summary>
    public IntervalResponse? RelativeLiftInterval { get; init; }

    /// <summary>Why the lift or its interval is null; null when neither is.</summary>
    public string? RelativeLiftReason { get; init; }

    /// <summary>A group has fewer than <c>Clv:MinSegmentSize</c> members compared: read with care.</summary>
    public bool SmallSample { get; init; }

    /// <summary>The reporting currency of money metrics.</summary>
    /// <example>USD</example>
    public required string Currency { get; init; }
}

/// <summary>One group of a comparison.</summary>
public sealed class CompareGroupResponse
{
    /// <summary>The group key, as segments name it.</summary>
    /// <example>promoter</example>
    public required string Key { get; init; }

    /// <summary>Members compared: customers with the figure (for retained, those active in the period before; for nps, those with an answer).</summary>
    /// <example>3</example>
    public long N { get; init; }

    /// <summary>The mean; a rate's proportion; the NPS for nps. Null without members.</summary>
    /// <example>21.4333</example>
    public double? Mean { get; init; }

    /// <summary>The standard deviation its standard error is built from (sample sd for means, √(p(1 − p)) for rates, 100 √(p + d − (p − d)²) for nps); null below 2 members.</summary>
    /// <example>0.9866</example>
    public double? Sd { get; init; }

    /// <summary>Maps a group.</summary>
    public static CompareGroupResponse From(string key, SampleSummary summary) =>
        new() { Key = key, N = summary.N, Mean = summary.Mean, Sd = summary.StandardDeviation };
}
