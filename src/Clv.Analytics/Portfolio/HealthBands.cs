namespace Clv.Analytics.Portfolio;

/// <summary>Colour bands for CLV:CAC and CAC payback, as the literature draws them, per business model.</summary>
/// <param name="ClvToCacWeak">CLV:CAC below this is <c>losing</c> (default 1).</param>
/// <param name="ClvToCacHealthy">From weak up to this is <c>weak</c>; from here <c>healthy</c> (default 3).</param>
/// <param name="ClvToCacUnderInvesting">Above this is <c>underInvesting</c> (default 5).</param>
/// <param name="PaybackGoodMonths">Payback within this many months is <c>good</c> (SaaS 12).</param>
/// <param name="PaybackAcceptableMonths">Within this many is <c>acceptable</c>, beyond it <c>poor</c> (SaaS 18).</param>
public sealed record HealthBands(
    decimal ClvToCacWeak,
    decimal ClvToCacHealthy,
    decimal ClvToCacUnderInvesting,
    int PaybackGoodMonths,
    int PaybackAcceptableMonths)
{
    /// <summary>Subscription software: 1 / 3 / 5 and 12 / 18 months.</summary>
    public static HealthBands Saas { get; } = new(1m, 3m, 5m, 12, 18);

    /// <summary>Retail and e-commerce, where acquisition pays back on the first orders: 1 / 3 / 5 and 6 / 12 months.</summary>
    public static HealthBands Retail { get; } = new(1m, 3m, 5m, 6, 12);

    /// <summary>B2B with long sales cycles: 1 / 3 / 5 and 18 / 24 months.</summary>
    public static HealthBands B2B { get; } = new(1m, 3m, 5m, 18, 24);

    /// <summary>The band of a CLV:CAC ratio: losing, weak, healthy or underInvesting; null without a ratio.</summary>
    public string? ClvToCac(decimal? ratio) => ratio switch
    {
        null => null,
        < 0 => "losing",
        var r when r < ClvToCacWeak => "losing",
        var r when r < ClvToCacHealthy => "weak",
        var r when r <= ClvToCacUnderInvesting => "healthy",
        _ => "underInvesting",
    };

    /// <summary>
    /// The band of a payback: good, acceptable or poor. Not yet paid back, it is poor once more than
    /// the acceptable months have been observed, and unknown (null) before.
    /// </summary>
    public string? Payback(int? months, int observedMonths) => months switch
    {
        null => observedMonths > PaybackAcceptableMonths ? "poor" : null,
        var m when m <= PaybackGoodMonths => "good",
        var m when m <= PaybackAcceptableMonths => "acceptable",
        _ => "poor",
    };
}
