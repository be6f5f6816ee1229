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

    /// <summary>The time zone a rebuild in progress moves the rollups to; null when none runs.</summary>
    public string? RebuildingTo { get; set; }

    /// <summary>The customers up to this id are rebuilt already (a rebuild resumes after it).</summary>
    public long RebuiltThrough { get; set; }

    /// <summary>
    /// The customers up to this id have their contributions in <c>period_rollups</c>; null when
    /// every customer has (<see cref="PeriodRollups"/>). Set while the period rollups are built.
    /// </summary>
    public long? PeriodRollupsThrough { get; set; }

    /// <summary>The churn window, in days, of the alive spells <c>period_rollups</c> counts; null before it is first built.</summary>
    public int? PeriodRollupsWindow { get; set; }
}
