using Clv.Analytics.Portfolio;

namespace Clv.Api.Portfolio;

/// <summary>Health bands (docs/metrics.md; configurable per business model).</summary>
public sealed class HealthResponse
{
    /// <summary>losing (below 1), weak (1–3), healthy (3–5) or underInvesting (above 5); null without CLV:CAC.</summary>
    /// <example>healthy</example>
    public string? ClvToCac { get; init; }

    /// <summary>good (within 12 months for SaaS), acceptable (12–18) or poor; null while unknown.</summary>
    /// <example>good</example>
    public string? Payback { get; init; }
}

/// <summary>A metric over time.</summary>
public sealed class TimeSeriesResponse
{
    /// <summary>The metric.</summary>
    /// <example>netRevenue</example>
    public required string Metric { get; init; }

    /// <summary>month, quarter or year.</summary>
    /// <example>month</example>
    public required string Period { get; init; }

    /// <summary>What the series are grouped by; null for one series, <c>all</c>.</summary>
    public string? By { get; init; }

    /// <summary>The day the figures stand at; the last period may be partial.</summary>
    public DateOnly AsOf { get; init; }

    /// <summary>Every write acknowledged before this time (UTC) is included; later ones may not be (docs/metrics.md, "Freshness"). Also the <c>Clv-Data-Through</c> header.</summary>
    public DateTimeOffset DataThrough { get; init; }

    /// <summary>The first day of the first period.</summary>
    public DateOnly From { get; init; }

    /// <summary>A day of the last period.</summary>
    public DateOnly To { get; init; }

    /// <summary>The reporting currency of money metrics.</summary>
    /// <example>USD</example>
    public required string Currency { get; init; }

    /// <summary>One series per group (key <c>all</c> without <c>by</c>), each with a point per period.</summary>
    public required List<TimeSeriesResponseSeries> Series { get; init; }
}

/// <summary>One group's series.</summary>
public sealed class TimeSeriesResponseSeries
{
    /// <summary>The group key.</summary>
    /// <example>all</example>
    public required string Key { get; init; }

    /// <summary>A point per period, oldest first.</summary>
    public required List<TimeSeriesPoint> Points { get; init; }
}

/// <summary>One point, as a CSV row.</summary>
public sealed record TimeSeriesRow(string Key, string Period, DateOnly Start, DateOnly End, decimal? Value);
