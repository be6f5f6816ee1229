using System.Diagnostics;
using System.Text.Json;
using Clv.Analytics.Models;
using Clv.Analytics.Predictions;
using Clv.Api.Ingestion;
using Clv.Data;
using Clv.Data.ModelRuns;
using Microsoft.EntityFrameworkCore;
using AnalyticsClvOptions = Clv.Analytics.Models.ClvOptions;

namespace Clv.Api.ModelRuns;

/// <summary>
/// Executes one model run: reads each customer's summary, fits the models on the distinct
/// (x, t_x, T) patterns, predicts every customer, loads the predictions with binary COPY and swaps
/// them in. A run that fails at any stage is recorded as failed and leaves the previous one active.
/// </summary>
public sealed class ModelRunner(ClvDbContext db, PredictionStore predictions, RollupCatchUp rollups, TimeProvider time, ILogger<ModelRunner> logger)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>
    /// Runs the stored run <paramref name="runId"/>, claimed by the instance <paramref name="leaseOwner"/>
    /// (<see cref="ModelRunLeases"/>), to success or failure. Its saves apply only while that
    /// instance holds the run: once another instance has failed it, they throw.
    /// </summary>
    public async Task RunAsync(Guid runId, Guid leaseOwner, CancellationToken cancellationToken)
    {
        var run = await db.ModelRuns.FirstOrDefaultAsync(r => r.Id == runId, cancellationToken);
        if (run is not { Status: ModelRunStatus.Running } || run.LeaseOwner != leaseOwner)
        {
            return;
        }

        var options = JsonSerializer.Deserialize<ModelRunOptions>(run.Options, Json)!;
        var timings = new Dictionary<string, double>();
        var total = Stopwatch.StartNew();
        run.StartedAt = time.GetUtcNow();
        await SaveAsync(run, "summary", 0.05, timings, cancellationToken);
        try
        {
            var unit = options.TimeUnit == "days" ? TimeUnit.Days : TimeUnit.Weeks;
            var clock = Stopwatch.StartNew();
            var portfolio = await ReadPortfolioAsync(options, unit, cancellationToken);
            timings["summary"] = Lap(clock);
            run.Customers = portfolio.Count;
            await SaveAsync(run, "fit", 0.2, timings, cancellationToken);

            var fits = Fit(options, portfolio);
            timings["fit"] = Lap(clock);
            run.Models = JsonSerializer.Serialize(fits.Described, Json);
            await SaveAsync(run, "predict", 0.4, timings, cancellationToken);

            var predictor = new PortfolioPredictor(fits.Primary, fits.Spend, new AnalyticsClvOptions(options.HorizonMonths, options.DiscountRateMonthly, unit));
            var rows = portfolio.Predict(predictor);
            timings["predict"] = Lap(clock);
            await SaveAsync(run, "write", 0.6, timings, cancellationToken);

            await predictions.LoadAsync(runId, rows, cancellationToken);
            timings["write"] = Lap(clock);
            await SaveAsync(run, "swap", 0.85, timings, cancellationToken);

            if (options.CalibrationEnd is { } calibrationEnd)
            {
                var actual = await db.PurchaseDaysBetweenAsync(calibrationEnd, options.AsOf, cancellationToken);
                var length = (options.AsOf.DayNumber - calibrationEnd.DayNumber) / CustomerSummaryBuilder.DaysPer(unit);
                run.Holdout = JsonSerializer.Serialize(portfolio.Holdout(predictor, actual, length), Json);
                timings["holdout"] = Lap(clock);
            }

            // The new predictions and the run's success become visible together.
            await using (var swap = await db.Database.BeginTransactionAsync(cancellationToken))
            {
                await predictions.ActivateAsync(runId, time.GetUtcNow(), cancellationToken);
                timings["swap"] = Lap(clock);
                run.Status = ModelRunStatus.Succeeded;
                run.Stage = "done";
                run.Progress = 1;
                run.IsActive = true;
                run.FinishedAt = time.GetUtcNow();
                run.DurationSeconds = total.Elapsed.TotalSeconds;
                run.Timings = JsonSerializer.Serialize(timings, Json);
                await db.SaveChangesAsync(cancellationToken);
                await swap.CommitAsync(cancellationToken);
            }

            logger.LogInformation("Model run {RunId} succeeded: {Customers} customers in {Seconds:F2} s", runId, run.Customers, run.DurationSeconds);
        }
        catch (Exception e) when (!(e is OperationCanceledException && cancellationToken.IsCancellationRequested))
        {
            logger.LogWarning(e, "Model run {RunId} failed at stage {Stage}", runId, run.Stage);
            await predictions.DiscardAsync(runId, CancellationToken.None);
            db.ChangeTracker.Clear();
            var failed = await db.ModelRuns.FirstOrDefaultAsync(r => r.Id == runId && r.LeaseOwner == leaseOwner, CancellationToken.None);
            if (failed is null)
            {
                return; // another instance failed the run when its lease ran out
            }

            failed.Status = ModelRunStatus.Failed;
            failed.Error = e is ModelRunFailedException ? e.Message : "The run failed unexpectedly; the service log has the details.";
            failed.FinishedAt = time.GetUtcNow();
            failed.DurationSeconds = total.Elapsed.TotalSeconds;
            failed.Timings = JsonSerializer.Serialize(timings, Json);
            await db.SaveChangesAsync(CancellationToken.None);
        }
    }

    private async Task<Portfolio> ReadPortfolioAsync(ModelRunOptions options, TimeUnit unit, CancellationToken cancellationToken)
    {
        var end = options.PredictionDate;
        await rollups.EnsureCurrentAsync(db, cancellationToken);
        // The summary kept current at ingest serves when none of its purchase days lies after the
        // end (the usual run as of today); otherwise the day rollup is aggregated up to the end.
        var portfolio = await Task.Run(() => Read(fromSummary: true) ?? Read(fromSummary: false), cancellationToken);
        if (portfolio!.Count == 0)
        {
            throw new ModelRunFailedException($"No customer has a purchase on or before {end:yyyy-MM-dd}; there is nothing to fit.");
        }

        return portfolio;

        Portfolio? Read(bool fromSummary)
        {
            var read = new Portfolio(unit);
            foreach (var input in db.ModelInputs(end, fromSummary))
            {
                if (input.AgeDays < input.RecencyDays)
                {
                    return null;
                }

                read.Add(input);
            }

            return read;
        }
    }

    private static FittedModels Fit(ModelRunOptions options, Portfolio portfolio)
    {
        var patterns = portfolio.Patterns();
        var described = new Dictionary<string, (FittedModel Model, string? Failure)>();
        var purchaseModels = new Dictionary<string, IPurchaseModel>();
        foreach (var model in options.Models)
        {
            switch (model)
            {
                case "bgnbd":
                    var bg = BgNbd.Fit(patterns, options.Penalizer);
                    described[model] = Describe(bg, p => new() { ["r"] = p.R, ["alpha"] = p.Alpha, ["a"] = p.A, ["b"] = p.B });
                    AddIfConverged(purchaseModels, model, bg);
                    break;
                case "mbgnbd":
                    var mbg = ModifiedBgNbd.Fit(patterns, options.Penalizer);
                    described[model] = Describe(mbg, p => new() { ["r"] = p.R, ["alpha"] = p.Alpha, ["a"] = p.A, ["b"] = p.B });
                    AddIfConverged(purchaseModels, model, mbg);
                    break;
                case "paretonbd":
                    var pareto = ParetoNbd.Fit(patterns, options.Penalizer);
                    described[model] = Describe(pareto, p => new() { ["r"] = p.R, ["alpha"] = p.Alpha, ["s"] = p.S, ["beta"] = p.Beta });
                    AddIfConverged(purchaseModels, model, pareto);
                    break;
                default:
                    break;
            }
        }

        var spend = GammaGamma.Fit(portfolio.SpendPatterns(), options.Penalizer);
        described["gammagamma"] = Describe(spend, p => new() { ["p"] = p.P, ["q"] = p.Q, ["gamma"] = p.Gamma });
        if (!purchaseModels.TryGetValue(options.PrimaryModel, out var primary))
        {
            throw new ModelRunFailedException($"The {options.PrimaryModel} fit did not converge: {described[options.PrimaryModel].Failure}");
        }

        if (!spend.Converged || !(spend.Parameters.Q > 1))
        {
            throw new ModelRunFailedException($"The gammagamma fit did not converge: {spend.FailureReason ?? "q ≤ 1 gives no finite mean spend"}");
        }

        return new FittedModels(primary, spend.Parameters, described.ToDictionary(d => d.Key, d => d.Value.Model));
    }

    private static void AddIfConverged<T>(Dictionary<string, IPurchaseModel> models, string name, FitResult<T> fit)
        where T : class, IPurchaseModel
    {
        if (fit.Converged)
        {
            models[name] = fit.Parameters;
        }
    }

    private static (FittedModel Model, string? Failure) Describe<T>(FitResult<T> fit, Func<T, Dictionary<string, double>> parameters)
        where T : class =>
        (new FittedModel
        {
            Parameters = fit.Parameters is null ? [] : parameters(fit.Parameters),
            StandardErrors = fit.StandardErrors is null ? null : parameters(fit.StandardErrors),
            LogLikelihood = fit.LogLikelihood,
            Converged = fit.Converged,
            Iterations = fit.Iterations,
            Customers = fit.Observations,
        }, fit.FailureReason);

    private async Task SaveAsync(ModelRun run, string stage, double progress, Dictionary<string, double> timings, CancellationToken cancellationToken)
    {
        run.Stage = stage;
        run.Progress = progress;
        run.Timings = JsonSerializer.Serialize(timings, Json);
        await db.SaveChangesAsync(cancellationToken);
    }

    private static double Lap(Stopwatch clock)
    {
        var seconds = clock.Elapsed.TotalSeconds;
        clock.Restart();
        return Math.Round(seconds, 3);
    }

    private sealed record FittedModels(IPurchaseModel Primary, GammaGammaParameters Spend, Dictionary<string, FittedModel> Described);
}

/// <summary>A run that cannot produce trustworthy numbers; its message is shown to the user.</summary>
public sealed class ModelRunFailedException(string message) : Exception(message);
