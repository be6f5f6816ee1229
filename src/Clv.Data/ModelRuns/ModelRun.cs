namespace Clv.Data.ModelRuns;

/// <summary>Where a model run is in its life.</summary>
public enum ModelRunStatus
{
    /// <summary>Accepted, waiting for the runner.</summary>
    Queued,

    /// <summary>Being computed.</summary>
    Running,

    /// <summary>Finished; its predictions are the active ones unless a later run succeeded.</summary>
    Succeeded,

    /// <summary>Stopped with an error; the previous predictions stay active.</summary>
    Failed,
}

/// <summary>One fit of the predictive models over the stored transactions, and its outcome.</summary>
public sealed class ModelRun
{
    public Guid Id { get; set; }

    public ModelRunStatus Status { get; set; }

    /// <summary>The stage being run, or the last one.</summary>
    public string? Stage { get; set; }

    /// <summary>0..1.</summary>
    public double Progress { get; set; }

    /// <summary>The run's options as JSON.</summary>
    public required string Options { get; set; }

    public string? Error { get; set; }

    /// <summary>Seconds per stage as a JSON object.</summary>
    public string? Timings { get; set; }

    public double? DurationSeconds { get; set; }

    /// <summary>Customers predicted.</summary>
    public int? Customers { get; set; }

    /// <summary>The fitted models as JSON.</summary>
    public string? Models { get; set; }

    /// <summary>Holdout diagnostics as JSON, when the run had a calibration end.</summary>
    public string? Holdout { get; set; }

    /// <summary>
    /// A contractual (sBG) run's fitted cohorts as JSON: what the customer detail computes DERL and
    /// residual CLV from; null for purchase-model runs.
    /// </summary>
    public string? Cohorts { get; set; }

    /// <summary>
    /// The intervals of predicted customer equity as JSON: overall and per segment of the groupings the run
    /// knows (docs/metrics.md, "Predicted customer equity interval"); null when the run computed none. Held
    /// on the run (a reference table under Citus), as they are a few hundred figures per run.
    /// </summary>
    public string? EquityIntervals { get; set; }

    /// <summary>True for the one run whose predictions readers see.</summary>
    public bool IsActive { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? StartedAt { get; set; }

    public DateTimeOffset? FinishedAt { get; set; }

    /// <summary>
    /// The instance that claimed the run (a Guid per process); kept once the run finishes, cleared
    /// when another instance fails the run because this lease ran out.
    /// </summary>
    public Guid? LeaseOwner { get; set; }

    /// <summary>Until when, by the database's clock, the owner holds the run unless it renews the lease.</summary>
    public DateTimeOffset? LeaseExpiresAt { get; set; }
}
