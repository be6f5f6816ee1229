using System.Text.Json;
using Clv.Analytics.ModelRuns;
using Clv.Api.Authentication;
using Clv.Api.Infrastructure;
using Clv.Data;
using Clv.Data.ModelRuns;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace Clv.Api.ModelRuns;

/// <summary>Predictive model runs: BG/NBD, Pareto/NBD, modified BG/NBD and Gamma-Gamma fitted on the stored purchases.</summary>
[ApiController]
[Route("api/v1/model-runs")]
[Tags("Model runs")]
[ProducesResponseType<ProblemDetails>(StatusCodes.Status401Unauthorized, "application/problem+json")]
[ProducesResponseType<ProblemDetails>(StatusCodes.Status403Forbidden, "application/problem+json")]
public sealed class ModelRunsController(ClvDbContext db, ModelRunLauncher launcher) : ControllerBase
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Starts a model run in the background; poll the <c>Location</c> for its outcome.</summary>
    /// <remarks>
    /// One run executes at a time, across every instance of the service; a run requested meanwhile is
    /// queued behind it and run by whichever instance claims it. When it succeeds its
    /// predictions replace the previous run's in one step; when it fails the previous ones stay.
    /// At most <c>Clv:ModelRuns:MaxQueued</c> runs (default 3) wait in the queue; a request beyond
    /// that is answered 429.
    /// </remarks>
    /// <param name="request">The options; every field may be left out.</param>
    /// <param name="cancellationToken">Aborted with the request.</param>
    [HttpPost]
    [Authorize(Policy = Policies.Ingest)]
    [Consumes("application/json")]
    [ProducesResponseType<ModelRunAccepted>(StatusCodes.Status202Accepted)]
    [ProducesResponseType<ValidationProblemDetails>(StatusCodes.Status400BadRequest, "application/problem+json")]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status415UnsupportedMediaType, "application/problem+json")]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status429TooManyRequests, "application/problem+json")]
    public async Task<IActionResult> StartAsync([FromBody] ModelRunRequest? request, CancellationToken cancellationToken)
    {
        var (runOptions, errors) = launcher.Resolve(request ?? new ModelRunRequest());
        if (errors.Count > 0)
        {
            return ValidationProblem(new ValidationProblemDetails(errors));
        }

        var id = await launcher.StartAsync(runOptions, cancellationToken);
        return Accepted($"/api/v1/model-runs/{id}", new ModelRunAccepted { Id = id, Status = "queued" });
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
    /// <remarks>
    /// With <c>Accept: text/csv</c>, one row per run: its fields, the options as <c>options.*</c>,
    /// the primary model's holdout as <c>holdout.*</c>, and the fitted models and timings as JSON cells.
    /// </remarks>
    /// <param name="limit">How many, 1 to 100 (default 20).</param>
    /// <param name="cancellationToken">Aborted with the request.</param>
    [HttpGet]
    [Authorize(Policy = Policies.Read)]
    [ProducesResponseType<List<ModelRunResponse>>(StatusCodes.Status200OK, "application/json", "text/csv")]
    [ProducesResponseType<ValidationProblemDetails>(StatusCodes.Status400BadRequest, "application/problem+json")]
    public async Task<IActionResult> ListAsync([FromQuery, System.ComponentModel.DataAnnotations.Range(1, 100)] int limit = 20, CancellationToken cancellationToken = default)
    {
        var runs = (await db.ModelRuns.AsNoTracking().OrderByDescending(r => r.CreatedAt).ThenByDescending(r => r.Id).Take(limit).ToListAsync(cancellationToken))
            .ConvertAll(ToResponse);
        return CsvColumns.Wanted(Request) ? new CsvResult<ModelRunResponse>(runs.ToAsyncEnumerable(), "model-runs.csv") : Ok(runs);
    }

    private static ModelRunResponse ToResponse(ModelRun run)
    {
        var models = run.Models is null ? null : JsonSerializer.Deserialize<Dictionary<string, FittedModel>>(run.Models, Json);
        var options = JsonSerializer.Deserialize<ModelRunOptions>(run.Options, Json)!;
        var timings = run.Timings is null ? null : JsonSerializer.Deserialize<Dictionary<string, double>>(run.Timings, Json);
        return new()
        {
            Id = run.Id,
            Status = run.Status.ToString().ToLowerInvariant(),
            Stage = run.Stage,
            Progress = run.Progress,
            Error = run.Error,
            Active = run.IsActive,
            Activation = Activation(run, options, timings),
            Options = options,
            Timings = timings,
            DurationSeconds = run.DurationSeconds,
            Customers = run.Customers,
            Models = models,
            Holdout = run.Holdout is null ? null : JsonSerializer.Deserialize<HoldoutDiagnostics>(run.Holdout, Json),
            BestModel = models is null ? null : ModelComparison.Best(
                models.Where(m => m.Value.Holdout is not null).Select(m => KeyValuePair.Create(m.Key, m.Value.Holdout!.MeanAbsoluteError))),
            Cohorts = run.Cohorts is null ? null : JsonSerializer.Deserialize<List<SbgCohortResponse>>(run.Cohorts, Json),
            IntervalsWarning = RunIntervals.FromJson(run.EquityIntervals)?.Warning,
            CreatedAt = run.CreatedAt,
            StartedAt = run.StartedAt,
            FinishedAt = run.FinishedAt,
        };
    }

    // A run times its swap only when it activates.
    private static string? Activation(ModelRun run, ModelRunOptions options, Dictionary<string, double>? timings) =>
        run.Status != ModelRunStatus.Succeeded ? null
        : run.IsActive ? ModelRunActivations.Active
        : timings?.ContainsKey("swap") == true ? ModelRunActivations.Superseded
        : !options.Activate ? ModelRunActivations.NotRequested
        : ModelRunActivations.YieldedToPinned;
}
