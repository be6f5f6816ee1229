using System.ComponentModel.DataAnnotations;

namespace Clv.Api.Idempotency;

/// <summary>Settings under <c>Clv:Idempotency</c>.</summary>
public sealed class IdempotencyOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Clv:Idempotency";

    /// <summary>
    /// Hours a stored answer is replayed for, counted from when it was stored. Default 24, and never
    /// less: clients are promised a day to retry in, as Stripe keeps its keys.
    /// </summary>
    [Range(24, 24 * 366)]
    public int RetentionHours { get; set; } = 24;

    /// <summary>
    /// Seconds a running request holds its key without renewing it. The request renews it every third
    /// of this while it runs, so only a request whose process died loses its key, this long after.
    /// Default 60.
    /// </summary>
    [Range(3, 3600)]
    public int LeaseSeconds { get; set; } = 60;

    /// <summary>Minutes between purges of expired keys; the first runs at start. Default 60.</summary>
    [Range(1, 24 * 60)]
    public int PurgeIntervalMinutes { get; set; } = 60;
}
