using System.Text.Json;
using Clv.Analytics.Historical;
using Clv.Api.Authentication;
using Clv.Api.Ingestion;
using Clv.Data;
using Clv.Data.ModelRuns;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Clv.Api.ModelRuns;

/// <summary>Predictive model runs: BG/NBD, Pareto/NBD, modified BG/NBD and Gamma-Gamma fitted on the stored purchases.</summary>
[ApiController]
[Route("api/v1/model-runs")]
[Tags("Model runs")]
[ProducesResponseType<ProblemDetails>(StatusCodes.Status401Unauthorized, "application/problem+json")]
[ProducesResponseType<ProblemDetails>(StatusCodes.Status403Forbidden, "application/problem+json")]
public sealed class ModelRunsController(ClvDbContext db, PendingModelRuns queue, IOptions<ClvOptions> options, TimeProvider time) : ControllerBase
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private static readonly string[] PurchaseModels = ["bgnbd", "paretonbd", "mbgnbd"];

    /// <summary>Starts a model run in the background; poll the <c>Location</c> for its outcome.</summary>
    /// <remarks>
    /// One run executes at a time; a run requested meanwhile is queued behind it. When it succeeds its
    /// predictions replace the previous run's in one step; when it fails the previous ones stay.
    /// </remarks>
    /// <param name="request">The options; every field may be left out.</param>
    /// <param name="cancellationToken">Aborted with the request.</param>
    [HttpPost]
    [Authorize(Policy = Policies.Ingest)]
    [Consumes("application/json")]
    [ProducesResponseType<ModelRunAccepted>(StatusCodes.Status202Accepted)]
    [ProducesResponseType<ValidationProblemDetails>(StatusCodes.Status400BadRequest, "application/problem+json")]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status415UnsupportedMediaType, "application/problem+json")]
    public async Task<IActionResult> StartAsync([FromBody] ModelRunRequest? request, CancellationToken cancellationToken)
    {
        var (runOptions, errors) = Resolve(request ?? new ModelRunRequest());
        if (errors.Count > 0)
        {
            return ValidationProblem(new ValidationProblemDetails(errors));
        }

        var run = new ModelRun
        {
            Id = Guid.CreateVersion7(),
            Status = ModelRunStatus.Queued,
            Stage = "queued",
            Options = JsonSerializer.Serialize(runOptions, Json),
            CreatedAt = time.GetUtcNow(),
        };
        db.ModelRuns.Add(run);
        await db.SaveChangesAsync(cancellationToken);
        queue.Enqueue(run.Id);
        return Accepted($"/api/v1/model-runs/{run.Id}", new ModelRunAccepted { Id = run.Id, Status = "queued" });
    }

    /// <summary>A run's status, stage, progress, timings, fitted models and holdout diagnostics.</summary>
    /// <param name="id">The run's id.</param>
    /// <param name="cancellationToken">Aborted with the request.</param>
    [HttpGet("{id:guid}")]
    [Authorize(Policy = Policies.Read)]
    [ProducesResponseType<ModelRunResponse>(StatusCodes.Status200OK)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status404NotFound, "application/problem+json")]
    public async Task<ActionResult<ModelRunResponse>> GetAsync(Guid id, CancellationToken cancellationToken)
    {
        var run = await db.ModelRuns.AsNoTracking().FirstOrDefaultAsync(r => r.Id == id, cancellationToken);
        return run is null
            ? Problem(statusCode: StatusCodes.Status404NotFound, title: "Model run not found", detail: $"No model run has the id {id}.")
            : ToResponse(run);
    }

    /// <summary>Model runs, newest first.</summary>
    /// <param name="limit">How many, 1 to 100 (default 20).</param>
    /// <param name="cancellationToken">Aborted with the request.</param>
    [HttpGet]
    [Authorize(Policy = Policies.Read)]
    [ProducesResponseType<List<ModelRunResponse>>(StatusCodes.Status200OK)]
    [ProducesResponseType<ValidationProblemDetails>(StatusCodes.Status400BadRequest, "application/problem+json")]
    public async Task<List<ModelRunResponse>> ListAsync([FromQuery, System.ComponentModel.DataAnnotations.Range(1, 100)] int limit = 20, CancellationToken cancellationToken = default)
    {
        var runs = await db.ModelRuns.AsNoTracking().OrderByDescending(r => r.CreatedAt).ThenByDescending(r => r.Id).Take(limit).ToListAsync(cancellationToken);
        return runs.ConvertAll(ToResponse);
    }

    private (ModelRunOptions Options, Dictionary<string, string[]> Errors) Resolve(ModelRunRequest request)
    {
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

            calibrationEnd = end;
        }

        var unit = request.TimeUnit ?? "weeks";
        if (unit is not ("weeks" or "days"))
        {
            errors["timeUnit"] = ["weeks or days."];
        }

        var models = (request.Models ?? ["bgnbd", "gammagamma"]).Distinct(StringComparer.Ordinal).ToList();
        var unknown = models.Where(m => !PurchaseModels.Contains(m) && m != "gammagamma").ToList();
        if (unknown.Count > 0)
        {
            errors["models"] = [$"Unknown model(s) {string.Join(", ", unknown)}; use bgnbd, paretonbd, mbgnbd, gammagamma."];
        }

        if (!models.Contains("gammagamma"))
        {
            models.Add("gammagamma");
        }

        var primary = request.PrimaryModel ?? (models.Contains("bgnbd") ? "bgnbd" : models.FirstOrDefault(PurchaseModels.Contains) ?? "bgnbd");
        if (!PurchaseModels.Contains(primary))
        {
            errors["primaryModel"] = ["bgnbd, paretonbd or mbgnbd."];
        }
        else if (!models.Contains(primary))
        {
            models.Insert(0, primary);
        }

        var horizon = request.HorizonMonths ?? 12;
        if (horizon is < 1 or > 120)
        {
            errors["horizonMonths"] = ["1 to 120."];
        }

        var discount = request.DiscountRateMonthly ?? 0.01;
        if (!(discount is >= 0 and <= 1))
        {
            errors["discountRateMonthly"] = ["0 to 1."];
        }

        var penalizer = request.Penalizer ?? 0;
        if (!(penalizer is >= 0 and <= 1e6))
        {
            errors["penalizer"] = ["0 or more."];
        }

        return (new ModelRunOptions(asOf, calibrationEnd, unit, models, primary, horizon, discount, penalizer), errors);
    }

    private static ModelRunResponse ToResponse(ModelRun run) => new()
    {
        Id = run.Id,
        Status = run.Status.ToString().ToLowerInvariant(),
        Stage = run.Stage,
        Progress = run.Progress,
        Error = run.Error,
        Active = run.IsActive,
        Options = JsonSerializer.Deserialize<ModelRunOptions>(run.Options, Json)!,
        Timings = run.Timings is null ? null : JsonSerializer.Deserialize<Dictionary<string, double>>(run.Timings, Json),
        DurationSeconds = run.DurationSeconds,
        Customers = run.Customers,
        Models = run.Models is null ? null : JsonSerializer.Deserialize<Dictionary<string, FittedModel>>(run.Models, Json),
        Holdout = run.Holdout is null ? null : JsonSerializer.Deserialize<HoldoutDiagnostics>(run.Holdout, Json),
        CreatedAt = run.CreatedAt,
        StartedAt = run.StartedAt,
        FinishedAt = run.FinishedAt,
    };
}
