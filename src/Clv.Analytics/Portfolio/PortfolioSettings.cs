namespace Clv.Analytics.Portfolio;

/// <summary>The definitions' parameters (settings under <c>Clv</c>).</summary>
public sealed record PortfolioSettings
{
    /// <summary>Days without a purchase after which a customer is churned. Default 90.</summary>
    public int ChurnWindowDays { get; init; } = 90;

    /// <summary>P(alive) below which a customer counts as churned by the model. Default 0.5.</summary>
    public double AliveThreshold { get; init; } = 0.5;

    /// <summary>Segments with fewer customers are flagged <c>smallSample</c>. Default 100.</summary>
    public int MinSegmentSize { get; init; } = 100;

    /// <summary>
    /// A customer is at risk when spend of the last 12 months fell by at least this share against
    /// the 12 months before. Default 0.5.
    /// </summary>
    public decimal AtRiskDecline { get; init; } = 0.5m;

    /// <summary>The health bands in force.</summary>
    public HealthBands Health { get; init; } = HealthBands.Saas;
}
