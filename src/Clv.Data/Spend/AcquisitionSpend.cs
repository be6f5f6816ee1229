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

    /// <summary>The reporting currency; <see cref="Amount"/> is in it.</summary>
    public required string Currency { get; set; }

    /// <summary>The amount as sent, when it was in another currency.</summary>
    public decimal? OriginalAmount { get; set; }

    /// <summary>The currency as sent, when not the reporting one.</summary>
    public string? OriginalCurrency { get; set; }

    /// <summary>The rate that converted it, fixed at ingest.</summary>
    public decimal? FxRate { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }
}
