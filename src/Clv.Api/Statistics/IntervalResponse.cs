using Clv.Analytics.Statistics;

namespace Clv.Api.Statistics;

/// <summary>A two-sided confidence interval at the answer's <c>level</c>.</summary>
public sealed class IntervalResponse
{
    /// <summary>Lower bound.</summary>
    public double Lower { get; init; }

    /// <summary>Upper bound.</summary>
    public double Upper { get; init; }

    /// <summary>Maps an interval; null stays null.</summary>
    public static IntervalResponse? From(ConfidenceInterval? interval) =>
        interval is { } i ? new IntervalResponse { Lower = i.Lower, Upper = i.Upper } : null;
}
