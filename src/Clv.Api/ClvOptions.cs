using System.ComponentModel.DataAnnotations;
using Clv.Analytics.Portfolio;
using Clv.Data.Analytics.ReadModel;

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

    /// <summary>Days without a purchase after which a customer is churned. Default 90.</summary>
    [Range(1, 3650)]
    public int ChurnWindowDays { get; set; } = 90;

    /// <summary>P(alive) below which the active model run counts a customer as churned. Default 0.5.</summary>
    [Range(0.0, 1.0)]
    public double AliveThreshold { get; set; } = 0.5;

    /// <summary>Segments with fewer customers are flagged <c>smallSample</c>. Default 100.</summary>
    [Range(0, int.MaxValue)]
    public int MinSegmentSize { get; set; } = 100;

    /// <summary>Share by which 12-month spend must fall against the 12 months before for a customer to be at risk. Default 0.5.</summary>
    [Range(0.0, 1.0)]
    public decimal AtRiskDecline { get; set; } = 0.5m;

    /// <summary>
    /// Gross margin of the formula CLV (<c>formulaClv</c> of the summary and the segments), in (0, 1];
    /// a request's <c>grossMargin</c> overrides it. Default 1: revenue CLV.
    /// </summary>
    [Range(typeof(decimal), "0", "1", MinimumIsExclusive = true)]
    public decimal GrossMargin { get; set; } = 1m;

    /// <summary>The business model whose health bands apply: saas (default), retail or b2b.</summary>
    [RegularExpression("^(saas|retail|b2b)$")]
    public string BusinessModel { get; set; } = "saas";

    /// <summary>Overrides of the health bands, per business model (<c>Clv:HealthBands:retail:PaybackGoodMonths</c>).</summary>
    public Dictionary<string, HealthBandOptions> HealthBands { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The reporting time zone, resolved.</summary>
    public TimeZoneInfo TimeZone => TimeZoneInfo.FindSystemTimeZoneById(ReportingTimeZone);

    /// <summary>The definitions' parameters for the portfolio analytics.</summary>
    public PortfolioSettings Portfolio()
    {
        var defaults = BusinessModel switch
        {
            "retail" => Analytics.Portfolio.HealthBands.Retail,
            "b2b" => Analytics.Portfolio.HealthBands.B2B,
            _ => Analytics.Portfolio.HealthBands.Saas,
        };
        var bands = HealthBands.TryGetValue(BusinessModel, out var o)
            ? new HealthBands(
                o.ClvToCacWeak ?? defaults.ClvToCacWeak,
                o.ClvToCacHealthy ?? defaults.ClvToCacHealthy,
                o.ClvToCacUnderInvesting ?? defaults.ClvToCacUnderInvesting,
                o.PaybackGoodMonths ?? defaults.PaybackGoodMonths,
                o.PaybackAcceptableMonths ?? defaults.PaybackAcceptableMonths)
            : defaults;
        return new PortfolioSettings
        {
            ChurnWindowDays = ChurnWindowDays,
            AliveThreshold = AliveThreshold,
            MinSegmentSize = MinSegmentSize,
            AtRiskDecline = AtRiskDecline,
            Health = bands,
        };
    }
}

/// <summary>Health band overrides of one business model; unset values keep the model's defaults.</summary>
public sealed class HealthBandOptions
{
    /// <summary>CLV:CAC below this is losing.</summary>
    public decimal? ClvToCacWeak { get; set; }

    /// <summary>CLV:CAC from here is healthy.</summary>
    public decimal? ClvToCacHealthy { get; set; }

    /// <summary>CLV:CAC above this is under-investing.</summary>
    public decimal? ClvToCacUnderInvesting { get; set; }

    /// <summary>Payback within this many months is good.</summary>
    public int? PaybackGoodMonths { get; set; }

    /// <summary>Payback within this many months is acceptable; beyond, poor.</summary>
    public int? PaybackAcceptableMonths { get; set; }
}

/// <summary>Settings under <c>Clv:Analytics</c>.</summary>
public sealed class AnalyticsOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Clv:Analytics";

    /// <summary>
    /// Seconds an analytics answer may be served without checking the data version; answers older
    /// than half of it are refreshed in the background when read. Default 5: under steady ingest,
    /// every answer holds every write acknowledged more than 5 s before it, and a dashboard's
    /// repeated reads never wait for a computation. 0: every read checks the version and sees
    /// every committed write (docs/read-model.md, "Freshness").
    /// </summary>
    [Range(0, 3600)]
    public int MaxStalenessSeconds { get; set; } = 5;

    /// <summary>
    /// Single-customer reads, and answers grouped by RFM segment or CLV tier, score customers'
    /// current figures against the stored rankings (RFM quintile thresholds, tier boundaries)
    /// without waiting; when writes have committed since they were ranked, one instance re-ranks
    /// them in the background, at most once per this many seconds (the current state's within a
    /// few seconds after that, whether or not anything is read). Ranking reads every customer
    /// (2–4 s at a million), so this bounds what that costs under steady ingest. Default 60.
    /// </summary>
    [Range(0, 3600)]
    public int RankingRefreshSeconds { get; set; } = 60;

    /// <summary>
    /// The most groups segments and time series may split the customers into by acquisition
    /// channel or by a free attribute, whose values the CRM sends as free text: a grouping with
    /// more distinct values is refused with 400 before any figure is computed per group. The other
    /// groupings are bounded by definition (docs/api.md). Default 1,000.
    /// </summary>
    [Range(1, 1_000_000)]
    public int MaxGroups { get; set; } = 1_000;

    /// <summary>
    /// As of a past day, the most customers whose state has changed since that the group rollup's
    /// cells are corrected for: past it, the answer reads every customer's totals and days
    /// instead, which is slower but holds nothing per customer in the service. It bounds the
    /// memory and time of one answer's correction, about 30 µs per customer who bought recently
    /// at a million customers (docs/read-model.md, "The scope of an answer"). Default 50,000.
    /// </summary>
    [Range(0, 10_000_000)]
    public int MostCorrectedCustomers { get; set; } = AnalyticsScope.DefaultMostCorrected;

    /// <summary>
    /// Send the dashboard's reads through the service once when it starts, as of a day before any
    /// stored figure, so that a fresh process's first calls (code compiled, queries built) are not
    /// paid by the first client; <c>/health/ready</c> waits for them (docs/operations.md). Default on.
    /// </summary>
    public bool WarmUpOnStart { get; set; } = true;

    /// <summary>
    /// The longest <c>/health/ready</c> waits for the start-up reads: past it, the service reports
    /// ready while they finish, so a slow database delays its first clients' speed, never its
    /// start. Default 30.
    /// </summary>
    [Range(0, 3600)]
    public int WarmUpMaxWaitSeconds { get; set; } = 30;
}

/// <summary>Settings under <c>Database</c>.</summary>
public sealed class DatabaseOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Database";

    /// <summary>Apply pending EF Core migrations when the service starts. Off by default.</summary>
    public bool MigrateOnStartup { get; set; }

    /// <summary>
    /// Hash partitions per customer-keyed table, made once after the migrations (0, the default:
    /// plain tables). The shape Citus gives them distributed, on one node; the test suite runs a
    /// second pass with 4 (docs/scale-out.md).
    /// </summary>
    [Range(0, 64)]
    public int CustomerPartitions { get; set; }

    /// <summary>Seconds a database command may run before it is cancelled.</summary>
    [Range(1, 3600)]
    public int CommandTimeoutSeconds { get; set; } = 120;

    /// <summary>
    /// The most connections the service opens to PostgreSQL (Npgsql's Maximum Pool Size; this
    /// setting replaces the connection string's). Default four per processor, at least 8: more
    /// requests at once then wait for a connection in the service, which costs nothing, instead of
    /// running as more PostgreSQL processes than there are cores, which cost the slowest reads
    /// their time (docs/benchmarks.md, read load).
    /// </summary>
    [Range(1, 1000)]
    public int MaxPoolSize { get; set; } = Math.Max(8, 4 * Environment.ProcessorCount);

    /// <summary>
    /// Attempts in all for a write transaction that fails transiently (deadlock, serialization
    /// failure, lost connection), the first included. Default 4; 1 turns retrying off.
    /// </summary>
    [Range(1, 10)]
    public int RetryAttempts { get; set; } = 4;

    /// <summary>Milliseconds of backoff before the second attempt; doubled per attempt, jittered (Polly). Default 50.</summary>
    [Range(0, 10_000)]
    public int RetryBaseDelayMilliseconds { get; set; } = 50;
}
