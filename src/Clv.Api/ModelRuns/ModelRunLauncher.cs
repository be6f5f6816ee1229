using System.Text.Json;
using Clv.Analytics.Historical;
using Clv.Analytics.ModelRuns;
using Clv.Api.Errors;
using Clv.Api.Observability;
using Clv.Api.Requests;
using Clv.Data.ModelRuns;
using Microsoft.Extensions.Options;

namespace Clv.Api.ModelRuns;

/// <summary>Checks model-run options and queues runs, for the API and the schedule alike.</summary>
public sealed class ModelRunLauncher(
    ModelRunLeases leases,
    ModelRunWakeUp wakeUp,
    IOptions<ClvOptions> options,
    IOptions<ModelRunLeaseOptions> queue,
    TimeProvider time,
    ClvMetrics metrics)
{
    /// <summary>The models a run fits unless a request names them.</summary>
    public static readonly IReadOnlyList<string> DefaultModels = [ModelNames.BgNbd, ModelNames.GammaGamma];

    /// <summary>The time unit of a run unless a request gives one.</summary>
    public const string DefaultTimeUnit = "weeks";

    /// <summary>The months a run predicts over unless a request gives them.</summary>
    public const int DefaultHorizonMonths = 12;

    /// <summary>The monthly discount rate of a run unless a request gives one.</summary>
    public const double DefaultDiscountRateMonthly = 0.01;

    /// <summary>The purchase model a run's per-customer figures come from unless a request names it: <c>bgnbd</c> when listed, else the first purchase model listed.</summary>
    public static string PrimaryOf(IEnumerable<string> models) =>
        models.Contains(ModelNames.BgNbd) ? ModelNames.BgNbd : models.FirstOrDefault(ModelNames.PurchaseModels.Contains) ?? ModelNames.BgNbd;

    /// <summary>The prediction intervals' level unless a request gives one (issue 14: 0.90).</summary>
    public const double DefaultIntervalLevel = 0.90;

    /// <summary>The bootstrap's draws unless a request gives them (issue 14: 200).</summary>
    public const int DefaultIntervalDraws = 200;

    /// <summary>The most draws a request may ask for: 2,000 take ten times the default's time.</summary>
    public const int MaxIntervalDraws = 2000;

    /// <summary>Longest horizon of a run: months (<c>horizonMonths</c>) or an sbg run's periods (<c>horizonPeriods</c>).</summary>
    public const int MaxHorizon = 120;

    /// <summary>Largest L2 penalizer.</summary>
    public const double MaxPenalizer = 1e6;

    /// <summary>Narrowest interval level.</summary>
    public const double MinIntervalLevel = 0.5;

    /// <summary>Widest interval level.</summary>
    public const double MaxIntervalLevel = 0.99;

    /// <summary>The time units of a purchase model run.</summary>
    public static readonly string[] TimeUnits = ["days", "weeks", "months", "years"];

    /// <summary>The billing periods an sbg run fits.</summary>
    public static readonly string[] PeriodUnits = ["month", "year"];

    /// <summary>How an sbg run groups subscriptions into cohorts.</summary>
    public static readonly string[] CohortBys = ["plan", "startMonth", "startYear"];

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>
    /// Stores a queued run with these options; the instance that claims it first runs it. Throws a
    /// 429 <see cref="ClvProblemException"/> when <see cref="ModelRunLeaseOptions.MaxQueued"/> runs
    /// are queued already.
    /// </summary>
    public async Task<Guid> StartAsync(ModelRunOptions runOptions, CancellationToken cancellationToken)
    {
        var run = new ModelRun
        {
            Id = Guid.CreateVersion7(),
            Status = ModelRunStatus.Queued,
            Stage = "queued",
            Options = JsonSerializer.Serialize(runOptions, Json),
            CreatedAt = time.GetUtcNow(),
        };
        var max = queue.Value.MaxQueued;
        if (!await leases.TryQueueAsync(run, max, cancellationToken))
        {
            metrics.RateLimited(ClvMetrics.Limiters.ModelRunQueue);
            throw new ClvProblemException(StatusCodes.Status429TooManyRequests, "Too many queued model runs",
                $"{max} model runs are queued already (Clv:ModelRuns:MaxQueued); request another once one of them has started.");
        }

        wakeUp.Queued();
        return run.Id;
    }

    /// <summary>The request's options with defaults filled in, and what is wrong with them.</summary>
    public (ModelRunOptions Options, Dictionary<string, string[]> Errors) Resolve(ModelRunRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var errors = new Dictionary<string, string[]>();
        var today = HistoricalClvCalculator.LocalDate(time.GetUtcNow(), options.Value.TimeZone);
        var asOf = today;
        if (request.AsOf is not null && !IsoDateTime.TryParseDate(request.AsOf, out asOf))
        {
            errors["asOf"] = ["A date as YYYY-MM-DD."];
        }
        else if (asOf > today.AddDays(1))
        {
            errors["asOf"] = ["Not later than tomorrow."];
        }
        else
        {
            // No stored figure is older; a day of year 1 failed the run "unexpectedly" after its 202.
            QueryDates.Check(errors, "asOf", asOf, QueryDates.Latest);
        }

        DateOnly? calibrationEnd = null;
        if (request.CalibrationEnd is not null)
        {
            if (!IsoDateTime.TryParseDate(request.CalibrationEnd, out var end))
            {
                errors["calibrationEnd"] = ["A date as YYYY-MM-DD."];
            }
            else if (end >= asOf)
            {
                errors["calibrationEnd"] = ["Must be before asOf: the days after it, up to asOf, are the holdout."];
            }
            else
            {
                QueryDates.Check(errors, "calibrationEnd", end, QueryDates.Latest);
            }

            calibrationEnd = end;
        }

        if (request.Models?.Contains(ModelNames.Sbg) == true)
        {
            return (ResolveContractual(request, asOf, errors), errors);
        }

        RejectGiven(errors, "Only for an sbg run (\"models\": [\"sbg\"]).",
            ("cohortBy", request.CohortBy), ("periodUnit", request.PeriodUnit), ("discountRate", request.DiscountRate),
            ("horizonPeriods", request.HorizonPeriods), ("grossMargin", request.GrossMargin));

        var models = (request.Models ?? DefaultModels).Distinct(StringComparer.Ordinal).ToList();
        var unknown = models.Where(m => !ModelNames.PurchaseModels.Contains(m) && m != ModelNames.GammaGamma).ToList();
        if (unknown.Count > 0)
        {
            errors["models"] = [$"Unknown model(s) {string.Join(", ", unknown)}; use bgnbd, paretonbd, mbgnbd, bgbb, gammagamma, or sbg on its own."];
        }

        if (!models.Contains(ModelNames.GammaGamma))
        {
            models.Add(ModelNames.GammaGamma);
        }

        var primary = request.PrimaryModel ?? PrimaryOf(models);
        if (!ModelNames.PurchaseModels.Contains(primary))
        {
            errors["primaryModel"] = ["bgnbd, paretonbd, mbgnbd or bgbb."];
        }
        else if (!models.Contains(primary))
        {
            models.Insert(0, primary);
        }

        var unit = request.TimeUnit ?? DefaultTimeUnit;
        var discrete = models.Contains(ModelNames.BgBb);
        if (!TimeUnits.Contains(unit))
        {
            errors["timeUnit"] = ["days, weeks, months or years."];
        }
        else if (!discrete && unit is ("months" or "years"))
        {
            errors["timeUnit"] = ["months and years are for bgbb, whose opportunities are calendar periods; the other models take days or weeks."];
        }
        else if (discrete && unit != "days" && models.Any(m => m is not (ModelNames.BgBb or ModelNames.GammaGamma)))
        {
            errors["timeUnit"] = ["bgbb counts purchase periods and the other purchase models purchase days: run them together with days, or bgbb on its own."];
        }

        var horizon = request.HorizonMonths ?? DefaultHorizonMonths;
        if (horizon is < 1 or > MaxHorizon)
        {
            errors["horizonMonths"] = ["1 to 120."];
        }

        var discount = request.DiscountRateMonthly ?? DefaultDiscountRateMonthly;
        if (!(discount is >= 0 and <= 1))
        {
            errors["discountRateMonthly"] = ["0 to 1."];
        }

        var penalizer = request.Penalizer ?? 0;
        if (!(penalizer is >= 0 and <= MaxPenalizer))
        {
            errors["penalizer"] = ["0 or more."];
        }

        var level = request.IntervalLevel ?? DefaultIntervalLevel;
        if (!(level is >= MinIntervalLevel and <= MaxIntervalLevel))
        {
            errors["intervalLevel"] = ["0.5 to 0.99."];
        }

        var draws = request.IntervalDraws ?? DefaultIntervalDraws;
        if (draws is < 0 or > MaxIntervalDraws)
        {
            errors["intervalDraws"] = [$"0 (no intervals) to {MaxIntervalDraws}."];
        }

        if (request.IntervalSeed is < 0)
        {
            errors["intervalSeed"] = ["0 to 2147483647."];
        }

        var resolved = new ModelRunOptions
        {
            AsOf = asOf,
            CalibrationEnd = calibrationEnd,
            TimeUnit = unit,
            Models = models,
            PrimaryModel = primary,
            HorizonMonths = horizon,
            DiscountRateMonthly = discount,
            Penalizer = penalizer,
            Activate = request.Activate ?? calibrationEnd is null,
            Pinned = request.Activate == true,
            IntervalLevel = level,
            IntervalDraws = draws,
            IntervalSeed = request.IntervalSeed ?? System.Security.Cryptography.RandomNumberGenerator.GetInt32(int.MaxValue),
        };
        return (resolved, errors);
    }

    // An sbg run fits subscriptions, not purchases: it shares a run with no purchase model and has no
    // holdout; it writes no predictions (the purchase models' stay served), so it is never activated.
    private static ModelRunOptions ResolveContractual(ModelRunRequest request, DateOnly asOf, Dictionary<string, string[]> errors)
    {
        if (request.Models!.Any(m => m != ModelNames.Sbg))
        {
            errors["models"] = ["sbg fits subscriptions (contractual) and does not share a run with the purchase models (bgnbd, paretonbd, mbgnbd, bgbb, gammagamma): run it on its own, as [\"sbg\"]."];
        }

        RejectGiven(errors, "Not for an sbg run: it takes cohortBy, periodUnit, discountRate, horizonPeriods and grossMargin, has no holdout and writes no predictions.",
            ("calibrationEnd", request.CalibrationEnd), ("primaryModel", request.PrimaryModel), ("timeUnit", request.TimeUnit),
            ("horizonMonths", request.HorizonMonths), ("discountRateMonthly", request.DiscountRateMonthly), ("activate", request.Activate),
            ("intervalLevel", request.IntervalLevel), ("intervalDraws", request.IntervalDraws), ("intervalSeed", request.IntervalSeed));

        var cohortBy = request.CohortBy ?? "plan";
        if (!CohortBys.Contains(cohortBy))
        {
            errors["cohortBy"] = ["plan, startMonth or startYear."];
        }

        var unit = request.PeriodUnit ?? "month";
        if (!PeriodUnits.Contains(unit))
        {
            errors["periodUnit"] = ["month or year."];
        }

        var discount = request.DiscountRate ?? (unit == "year" ? 0.10 : 0.01);
        if (!(discount is >= 0 and <= 1))
        {
            errors["discountRate"] = ["0 to 1, per period."];
        }

        var horizon = request.HorizonPeriods ?? 5;
        if (horizon is < 1 or > MaxHorizon)
        {
            errors["horizonPeriods"] = ["1 to 120."];
        }

        var margin = request.GrossMargin ?? 1;
        if (!(margin is > 0 and <= 1))
        {
            errors["grossMargin"] = ["Above 0 and at most 1."];
        }

        var penalizer = request.Penalizer ?? 0;
        if (penalizer != 0)
        {
            errors["penalizer"] = ["An sbg run fits by plain maximum likelihood: 0 or absent."];
        }

        return new ModelRunOptions
        {
            AsOf = asOf,
            TimeUnit = unit == "year" ? "years" : "months",
            Models = [ModelNames.Sbg],
            PrimaryModel = ModelNames.Sbg,
            HorizonMonths = 12,
            DiscountRateMonthly = 0.01,
            Penalizer = 0,
            Activate = false,
            CohortBy = cohortBy,
            PeriodUnit = unit,
            DiscountRate = discount,
            HorizonPeriods = horizon,
            GrossMargin = margin,
        };
    }

    // Each field given a value is an error with the message.
    private static void RejectGiven(Dictionary<string, string[]> errors, string message, params (string Field, object? Value)[] fields)
    {
        foreach (var (field, value) in fields)
        {
            if (value is not null)
            {
                errors[field] = [message];
            }
        }
    }
}
