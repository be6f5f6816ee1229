using System.Text.Json.Serialization;
using Clv.Analytics.ModelRuns;

namespace Clv.Api.ModelRuns;

/// <summary>What to fit and predict. Every field is optional.</summary>
public sealed class ModelRunRequest
{
    /// <summary>The date the predictions stand at (YYYY-MM-DD); default today in the reporting time zone.</summary>
    /// <example>1998-06-30</example>
    public string? AsOf { get; set; }

    /// <summary>
    /// End of the calibration window (YYYY-MM-DD), before <c>asOf</c>. The models are fitted on the
    /// purchases up to it, predictions are made as of it, and (calibrationEnd, asOf] is the holdout.
    /// </summary>
    /// <example>1997-09-30</example>
    public string? CalibrationEnd { get; set; }

    /// <summary>
    /// The unit of frequency, recency and age: <c>weeks</c> (default) or <c>days</c>; a run with
    /// <c>bgbb</c> also takes <c>months</c> and <c>years</c>, its opportunities being whole calendar
    /// periods (with days, it can share a run with the continuous-time models).
    /// </summary>
    /// <example>weeks</example>
    public string? TimeUnit { get; set; }

    /// <summary>
    /// Models to fit: <c>bgnbd</c>, <c>paretonbd</c>, <c>mbgnbd</c>, <c>bgbb</c>, <c>gammagamma</c>;
    /// or <c>sbg</c> on its own, the contractual model of subscriptions (one fit per cohort).
    /// Default bgnbd and gammagamma; gammagamma is always fitted with a purchase model, as CLV needs it.
    /// </summary>
    /// <example>["bgnbd", "gammagamma"]</example>
    public List<string>? Models { get; set; }

    /// <summary>The purchase model the per-customer figures come from; default <c>bgnbd</c>, or the first purchase model listed.</summary>
    /// <example>bgnbd</example>
    public string? PrimaryModel { get; set; }

    /// <summary>CLV horizon in months, 1 to 120; default 12.</summary>
    /// <example>12</example>
    public int? HorizonMonths { get; set; }

    /// <summary>Monthly discount rate, 0 to 1; default 0.01.</summary>
    /// <example>0.01</example>
    public double? DiscountRateMonthly { get; set; }

    /// <summary>L2 penalizer on the log-parameters, 0 or more; default 0.</summary>
    /// <example>0</example>
    public double? Penalizer { get; set; }

    /// <summary>
    /// Whether the run's predictions replace the ones served when it succeeds. Default true, and
    /// false for a validation run (one with <c>calibrationEnd</c>), which then reports its fits and
    /// holdout only. <c>true</c>, given explicitly, also pins the run: scheduled runs do not
    /// replace it (a run a user starts always does).
    /// </summary>
    /// <example>true</example>
    public bool? Activate { get; set; }

    /// <summary>For <c>sbg</c>: the cohorts, one fit each: <c>plan</c> (default), <c>startMonth</c> or <c>startYear</c>.</summary>
    /// <example>plan</example>
    public string? CohortBy { get; set; }

    /// <summary>
    /// The coverage of the prediction intervals, 0.5 to 0.99; default 0.90 (the 5th and 95th percentiles of the
    /// bootstrap's draws; docs/models.md, "Prediction intervals").
    /// </summary>
    /// <example>0.9</example>
    public double? IntervalLevel { get; set; }

    /// <summary>Parameter draws of the intervals' parametric bootstrap, 0 to 2,000; default 200; 0 computes no intervals.</summary>
    /// <example>200</example>
    public int? IntervalDraws { get; set; }

    /// <summary>
    /// The seed of the draws, 0 to 2,147,483,647: the same seed, data and options give the same intervals. Default: one
    /// chosen when the run is accepted, reported in the run's options.
    /// </summary>
    /// <example>12345</example>
    public int? IntervalSeed { get; set; }

    /// <summary>For <c>sbg</c>: <c>month</c> (default) or <c>year</c>; the run fits the subscriptions billed per that period.</summary>
    /// <example>year</example>
    public string? PeriodUnit { get; set; }

    /// <summary>For <c>sbg</c>: the discount rate per period, 0 to 1; default 0.01 per month, 0.10 per year.</summary>
    /// <example>0.1</example>
    public double? DiscountRate { get; set; }

    /// <summary>For <c>sbg</c>: the periods projected after the last observed one, 1 to 120; default 5.</summary>
    /// <example>5</example>
    public int? HorizonPeriods { get; set; }

    /// <summary>For <c>sbg</c>: the gross margin of a subscription's amount, above 0 and at most 1; default 1 (residual revenue).</summary>
    /// <example>1</example>
    public double? GrossMargin { get; set; }
}

/// <summary>The options a run was started with, defaults filled in.</summary>
public sealed record ModelRunOptions
{
    /// <summary>The date the predictions stand at, unless there is a calibration end.</summary>
    public required DateOnly AsOf { get; init; }

    /// <summary>End of the calibration window; the predictions stand at it, and (calibrationEnd, asOf] is the holdout.</summary>
    public DateOnly? CalibrationEnd { get; init; }

    /// <summary>days, weeks, months or years.</summary>
    /// <example>weeks</example>
    public required string TimeUnit { get; init; }

    /// <summary>The models fitted.</summary>
    public required IReadOnlyList<string> Models { get; init; }

    /// <summary>The purchase model of the per-customer figures.</summary>
    /// <example>bgnbd</example>
    public required string PrimaryModel { get; init; }

    /// <summary>CLV horizon in months.</summary>
    /// <example>12</example>
    public required int HorizonMonths { get; init; }

    /// <summary>Monthly discount rate.</summary>
    /// <example>0.01</example>
    public required double DiscountRateMonthly { get; init; }

    /// <summary>L2 penalizer.</summary>
    /// <example>0</example>
    public required double Penalizer { get; init; }

    /// <summary>Whether the run's predictions are to replace the ones served (true for runs stored before the option).</summary>
    /// <example>true</example>
    public bool Activate { get; init; } = true;

    /// <summary>Whether a user asked for activation explicitly, so that scheduled runs do not replace this run while it is active.</summary>
    /// <example>false</example>
    public bool Pinned { get; init; }

    /// <summary><c>user</c> (started through the API) or <c>schedule</c> (<c>Clv:ModelRuns:Schedule</c>).</summary>
    /// <example>user</example>
    public string Trigger { get; init; } = ModelRunTriggers.User;

    /// <summary>The prediction intervals' level; absent for an sbg run.</summary>
    /// <example>0.9</example>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? IntervalLevel { get; init; }

    /// <summary>The bootstrap's parameter draws, 0 when the run computes no intervals (as for runs stored before the option); absent for an sbg run.</summary>
    /// <example>200</example>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? IntervalDraws { get; init; }

    /// <summary>The seed of the draws; absent for an sbg run.</summary>
    /// <example>12345</example>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? IntervalSeed { get; init; }

    /// <summary>For an sbg run: plan, startMonth or startYear.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? CohortBy { get; init; }

    /// <summary>For an sbg run: month or year.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? PeriodUnit { get; init; }

    /// <summary>For an sbg run: the discount rate per period.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? DiscountRate { get; init; }

    /// <summary>For an sbg run: the periods projected.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? HorizonPeriods { get; init; }

    /// <summary>For an sbg run: the gross margin of the amounts.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? GrossMargin { get; init; }

    /// <summary>Whether the run fits the contractual sBG model of subscriptions rather than purchase models.</summary>
    [JsonIgnore]
    public bool Contractual => Models.Contains(ModelNames.Sbg);

    /// <summary>The date the predictions are made as of: the calibration end when there is one.</summary>
    [JsonIgnore]
    public DateOnly PredictionDate => CalibrationEnd ?? AsOf;

    /// <summary>Whether the run counts histories in whole calendar periods, as BG/BB does.</summary>
    [JsonIgnore]
    public bool Discrete => Models.Contains(ModelNames.BgBb);

    /// <summary>The time unit named <paramref name="name"/>: days, weeks, months or years.</summary>
    public static Analytics.Models.TimeUnit ParseTimeUnit(string name) => name switch
    {
        "days" => Analytics.Models.TimeUnit.Days,
        "months" => Analytics.Models.TimeUnit.Months,
        "years" => Analytics.Models.TimeUnit.Years,
        _ => Analytics.Models.TimeUnit.Weeks,
    };
}

/// <summary>Who started a run.</summary>
public static class ModelRunTriggers
{
    /// <summary>A request to the API.</summary>
    public const string User = "user";

    /// <summary>The daily schedule.</summary>
    public const string Schedule = "schedule";
}

/// <summary>What became of a succeeded run's predictions (<see cref="ModelRunResponse.Activation"/>).</summary>
public static class ModelRunActivations
{
    /// <summary>They are the ones served.</summary>
    public const string Active = "active";

    /// <summary>They were served until a later run replaced them.</summary>
    public const string Superseded = "superseded";

    /// <summary>The run did not ask to be activated (a validation run, or <c>"activate": false</c>); it wrote none.</summary>
    public const string NotRequested = "notRequested";

    /// <summary>A scheduled run left a pinned run active (<see cref="ModelRunOptions.Pinned"/>) and dropped its own.</summary>
    public const string YieldedToPinned = "yieldedToPinned";
}

/// <summary>A run just accepted.</summary>
public sealed class ModelRunAccepted
{
    /// <summary>The run's id.</summary>
    public Guid Id { get; init; }

    /// <summary><c>queued</c>.</summary>
    /// <example>queued</example>
    public required string Status { get; init; }
}

/// <summary>A model run: its state, options, timings, fitted models and diagnostics.</summary>
public sealed class ModelRunResponse
{
    /// <summary>The run's id.</summary>
    public Guid Id { get; init; }

    /// <summary><c>queued</c>, <c>running</c>, <c>succeeded</c> or <c>failed</c>.</summary>
    /// <example>succeeded</example>
    public required string Status { get; init; }

    /// <summary>The stage being run, or the last one: summary, fit, holdout, predict, write, swap, done.</summary>
    /// <example>done</example>
    public string? Stage { get; init; }

    /// <summary>0 to 1.</summary>
    /// <example>1</example>
    public double Progress { get; init; }

    /// <summary>Why the run failed.</summary>
    public string? Error { get; init; }

    /// <summary>Whether this run's predictions are the ones served.</summary>
    public bool Active { get; init; }

    /// <summary>
    /// For a succeeded run, what became of its predictions: <c>active</c>, <c>superseded</c>,
    /// <c>notRequested</c> (a validation run, or <c>"activate": false</c>) or <c>yieldedToPinned</c>
    /// (a scheduled run that left a pinned run active); null otherwise.
    /// </summary>
    /// <example>active</example>
    public string? Activation { get; init; }

    /// <summary>The options, defaults filled in.</summary>
    public required ModelRunOptions Options { get; init; }

    /// <summary>Seconds per stage.</summary>
    public Dictionary<string, double>? Timings { get; init; }

    /// <summary>Wall time of the run in seconds.</summary>
    public double? DurationSeconds { get; init; }

    /// <summary>Customers predicted.</summary>
    public int? Customers { get; init; }

    /// <summary>The fitted models by name.</summary>
    public Dictionary<string, FittedModel>? Models { get; init; }

    /// <summary>Holdout diagnostics of the primary model, for runs with a calibration end (each model's are in <see cref="Models"/>).</summary>
    public HoldoutDiagnostics? Holdout { get; init; }

    /// <summary>
    /// For runs with a calibration end, the purchase model whose holdout predictions have the lowest
    /// mean absolute error per customer (the first asked on a tie); null otherwise.
    /// </summary>
    /// <example>bgnbd</example>
    public string? BestModel { get; init; }

    /// <summary>For an sbg run, one fitted model per cohort; null otherwise.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public List<SbgCohortResponse>? Cohorts { get; init; }

    /// <summary>
    /// Why a run that asked for intervals (<c>intervalDraws</c> above 0) has none: the covariance of the primary
    /// model's or Gamma-Gamma's estimates is not positive definite; null otherwise.
    /// </summary>
    public string? IntervalsWarning { get; init; }

    /// <summary>When the run was requested.</summary>
    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>When it started running.</summary>
    public DateTimeOffset? StartedAt { get; init; }

    /// <summary>When it finished.</summary>
    public DateTimeOffset? FinishedAt { get; init; }
}

/// <summary>One fitted model.</summary>
public sealed class FittedModel
{
    /// <summary>Maximum-likelihood estimates by name (r, alpha, a, b; r, alpha, s, beta; alpha, beta, gamma, delta; p, q, gamma).</summary>
    public required Dictionary<string, double> Parameters { get; init; }

    /// <summary>Standard errors from the inverse Hessian, by parameter.</summary>
    public Dictionary<string, double>? StandardErrors { get; init; }

    /// <summary>The maximized log-likelihood; null when the fit did not converge.</summary>
    public double? LogLikelihood { get; init; }

    /// <summary>Whether the optimizer converged to a finite optimum.</summary>
    public bool Converged { get; init; }

    /// <summary>Why the fit did not converge (a model other than the primary one does not fail the run); null when it converged.</summary>
    public string? Error { get; init; }

    /// <summary>Optimizer iterations.</summary>
    public int Iterations { get; init; }

    /// <summary>Customers the model was fitted on.</summary>
    public double Customers { get; init; }

    /// <summary>Akaike's information criterion, 2k − 2 ln L (k parameters); null when the fit failed. Lower is better among models fitted on the same customers.</summary>
    public double? Aic { get; init; }

    /// <summary>The Bayesian information criterion, k ln n − 2 ln L (n the customers fitted on); null when the fit failed.</summary>
    public double? Bic { get; init; }

    /// <summary>This purchase model's predictions against the holdout, for runs with a calibration end; null for Gamma-Gamma and for a model that did not converge.</summary>
    public HoldoutDiagnostics? Holdout { get; init; }

    /// <summary>Maps the computed fit and, for a run with a calibration end, the model's holdout comparison.</summary>
    public static FittedModel From(ModelFit fit, HoldoutComparison? holdout)
    {
        ArgumentNullException.ThrowIfNull(fit);
        return new FittedModel
        {
            Parameters = fit.Parameters,
            StandardErrors = fit.StandardErrors,
            LogLikelihood = fit.Converged ? fit.LogLikelihood : null,
            Converged = fit.Converged,
            Error = fit.FailureReason,
            Iterations = fit.Iterations,
            Customers = fit.Customers,
            Aic = fit.Aic,
            Bic = fit.Bic,
            Holdout = holdout is null ? null : HoldoutDiagnostics.From(holdout),
        };
    }
}

/// <summary>Predicted against actual purchases in the holdout period (calibrationEnd, asOf].</summary>
public sealed class HoldoutDiagnostics
{
    /// <summary>Length of the holdout in the run's time unit; for bgbb, the whole periods in it.</summary>
    public double Length { get; init; }

    /// <summary>Customers compared: those with a purchase by the calibration end.</summary>
    public int Customers { get; init; }

    /// <summary>Σ predicted repeat purchases in the holdout.</summary>
    public double Predicted { get; init; }

    /// <summary>Σ actual purchase days in the holdout; for bgbb, periods with a purchase.</summary>
    public long Actual { get; init; }

    /// <summary>Mean over customers of |predicted − actual|.</summary>
    public double MeanAbsoluteError { get; init; }

    /// <summary>The same by calibration frequency 0, 1, …, 6 and 7+.</summary>
    public required List<HoldoutBucket> ByFrequency { get; init; }

    /// <summary>Maps the computed comparison.</summary>
    public static HoldoutDiagnostics From(HoldoutComparison comparison)
    {
        ArgumentNullException.ThrowIfNull(comparison);
        return new HoldoutDiagnostics
        {
            Length = comparison.Length,
            Customers = comparison.Customers,
            Predicted = comparison.Predicted,
            Actual = comparison.Actual,
            MeanAbsoluteError = comparison.MeanAbsoluteError,
            ByFrequency = comparison.ByFrequency.Select(b => new HoldoutBucket { Frequency = b.Frequency, Customers = b.Customers, Predicted = b.Predicted, Actual = b.Actual }).ToList(),
        };
    }
}

/// <summary>Holdout totals for customers of one calibration frequency.</summary>
public sealed class HoldoutBucket
{
    /// <summary>"0" … "6", or "7+".</summary>
    /// <example>2</example>
    public required string Frequency { get; init; }

    /// <summary>Customers with that frequency.</summary>
    public int Customers { get; init; }

    /// <summary>Σ predicted holdout purchases.</summary>
    public double Predicted { get; init; }

    /// <summary>Σ actual holdout purchase days.</summary>
    public long Actual { get; init; }
}

/// <summary>One cohort's shifted-beta-geometric fit (Fader &amp; Hardie 2007) and the value of its active subscriptions.</summary>
public sealed class SbgCohortResponse
{
    /// <summary>The cohort: a plan, a start month (YYYY-MM) or a start year (YYYY).</summary>
    /// <example>pro</example>
    public required string Cohort { get; init; }

    /// <summary>Subscriptions fitted: those of the cohort billed per the run's period that started on or before asOf.</summary>
    public int Subscriptions { get; init; }

    /// <summary>Whether the fit converged to a proper maximum; when not, <c>error</c> says why and the figures that need α and β are null.</summary>
    public bool Converged { get; init; }

    /// <summary>Why the fit failed (nobody churned, no renewal observed yet, …).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Error { get; init; }

    /// <summary>α of the churn-probability beta.</summary>
    public double? Alpha { get; init; }

    /// <summary>β of the churn-probability beta.</summary>
    public double? Beta { get; init; }

    /// <summary>Standard errors of α and β from the inverse Hessian.</summary>
    public Dictionary<string, double>? StandardErrors { get; init; }

    /// <summary>The maximized log-likelihood.</summary>
    public double? LogLikelihood { get; init; }

    /// <summary>Observed survival: at each renewal date k = 0..K, the subscriptions observed (k-th renewal date on or before asOf) and those alive at it.</summary>
    public required List<SbgSurvivalPoint> ObservedSurvival { get; init; }

    /// <summary>Projected survival S(t) and retention rate r(t) for the next horizonPeriods periods after K.</summary>
    public required List<SbgProjectionPoint> Projection { get; init; }

    /// <summary>Subscriptions of the cohort active on asOf.</summary>
    public int ActiveSubscriptions { get; init; }

    /// <summary>Σ over the active subscriptions of amount per period × gross margin × DERL, in the reporting currency.</summary>
    public double? ResidualValue { get; init; }

    /// <summary>Maps a computed cohort.</summary>
    public static SbgCohortResponse From(SbgCohort cohort)
    {
        ArgumentNullException.ThrowIfNull(cohort);
        var fit = cohort.Fit;
        return new SbgCohortResponse
        {
            Cohort = cohort.Cohort,
            Subscriptions = cohort.Subscriptions,
            Converged = fit.Converged,
            Error = fit.FailureReason,
            Alpha = fit.Parameters?.Alpha,
            Beta = fit.Parameters?.Beta,
            StandardErrors = fit.StandardErrors is { } se ? new Dictionary<string, double> { ["alpha"] = se.Alpha, ["beta"] = se.Beta } : null,
            LogLikelihood = fit.Converged ? fit.LogLikelihood : null,
            ObservedSurvival = cohort.Survival.Select(s => new SbgSurvivalPoint { Period = s.Period, Observed = s.Observed, Alive = s.Alive }).ToList(),
            Projection = cohort.Projection.Select(p => new SbgProjectionPoint { Period = p.Period, Survival = p.Survival, RetentionRate = p.RetentionRate }).ToList(),
            ActiveSubscriptions = cohort.ActiveSubscriptions,
            ResidualValue = cohort.ResidualValue,
        };
    }
}

/// <summary>A cohort's survival at its k-th renewal date.</summary>
public sealed class SbgSurvivalPoint
{
    /// <summary>k (0 at the start).</summary>
    public int Period { get; init; }

    /// <summary>Subscriptions whose k-th renewal date is on or before asOf.</summary>
    public int Observed { get; init; }

    /// <summary>Of those, the ones alive at it.</summary>
    public int Alive { get; init; }
}

/// <summary>A projected period of a cohort.</summary>
public sealed class SbgProjectionPoint
{
    /// <summary>t, counted from the start (period 0).</summary>
    public int Period { get; init; }

    /// <summary>S(t): the share of a new cohort alive at the start of period t.</summary>
    public double Survival { get; init; }

    /// <summary>r(t) = S(t)/S(t−1).</summary>
    public double RetentionRate { get; init; }
}
