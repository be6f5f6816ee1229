namespace Clv.Data.Currency;

/// <summary>A rate from a currency into the reporting currency, for one day.</summary>
public sealed class StoredFxRate
{
    public required string Currency { get; set; }

    public DateOnly Date { get; set; }

    /// <summary>Reporting-currency units per unit of <see cref="Currency"/>.</summary>
    public decimal RateToReporting { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }
}
