namespace Clv.Data.Rollups;

/// <summary>What the stored rollups were computed with: one row.</summary>
public sealed class RollupState
{
    /// <summary>Always 1.</summary>
    public int Id { get; set; }

    /// <summary>The IANA time zone whose calendar days <c>customer_days</c> holds.</summary>
    public required string TimeZone { get; set; }

    /// <summary>When the time zone was last set.</summary>
    public DateTimeOffset UpdatedAt { get; set; }
}
