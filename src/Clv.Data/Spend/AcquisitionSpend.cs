namespace Clv.Data.Spend;

/// <summary>Money spent on one acquisition channel over a period of whole days.</summary>
public sealed class AcquisitionSpend
{
    public long Id { get; set; }

    public required string Channel { get; set; }

    public DateOnly PeriodStart { get; set; }

    /// <summary>The last day of the period, inclusive.</summary>
    public DateOnly PeriodEnd { get; set; }

    public decimal Amount { get; set; }

    public required string Currency { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }
}
