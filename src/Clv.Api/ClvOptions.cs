using System.ComponentModel.DataAnnotations;

namespace Clv.Api;

/// <summary>Settings under <c>Clv</c>.</summary>
public sealed class ClvOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Clv";

    /// <summary>ISO 4217 code every figure is reported in. Default USD.</summary>
    [Required, RegularExpression("^[A-Z]{3}$")]
    public string ReportingCurrency { get; set; } = "USD";

    /// <summary>IANA time zone whose calendar days are purchase days. Default UTC.</summary>
    [Required]
    public string ReportingTimeZone { get; set; } = "UTC";

    /// <summary>How many days an FX rate may be older than the amount it converts. Default 7.</summary>
    [Range(0, 366)]
    public int FxMaxAgeDays { get; set; } = 7;

    /// <summary>The reporting time zone, resolved.</summary>
    public TimeZoneInfo TimeZone => TimeZoneInfo.FindSystemTimeZoneById(ReportingTimeZone);
}

/// <summary>Settings under <c>Database</c>.</summary>
public sealed class DatabaseOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Database";

    /// <summary>Apply pending EF Core migrations when the service starts. Off by default.</summary>
    public bool MigrateOnStartup { get; set; }

    /// <summary>Seconds a database command may run before it is cancelled.</summary>
    [Range(1, 3600)]
    public int CommandTimeoutSeconds { get; set; } = 120;

    /// <summary>
    /// Attempts in all for a write transaction that fails transiently (deadlock, serialization
    /// failure, lost connection), the first included. Default 4; 1 turns retrying off.
    /// </summary>
    [Range(1, 10)]
    public int RetryAttempts { get; set; } = 4;

    /// <summary>Milliseconds of backoff before the second attempt; doubled per attempt, with full jitter. Default 50.</summary>
    [Range(0, 10_000)]
    public int RetryBaseDelayMilliseconds { get; set; } = 50;
}
