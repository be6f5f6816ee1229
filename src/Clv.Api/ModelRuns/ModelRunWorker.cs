using System.ComponentModel.DataAnnotations;
using Clv.Api.Infrastructure;
using Clv.Data.ModelRuns;
using Microsoft.Extensions.Options;

namespace Clv.Api.ModelRuns;

/// <summary>Settings under <c>Clv:ModelRuns</c> for the queue of runs that the instances on one database share.</summary>
public sealed class ModelRunLeaseOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = ModelRunScheduleOptions.Section;

    /// <summary>
    /// Seconds an instance holds a running run without renewing its lease. It renews every third of
    /// this while the run executes, so only a run whose instance died (or lost the database) is
    /// failed by another instance, this long after. Default 30.
    /// </summary>
    [Range(3, 3600)]
    public int LeaseSeconds { get; set; } = 30;

    /// <summary>
    /// Milliseconds between looks at the database for queued runs (queued through any instance)
    /// and expired leases. A run queued through this instance wakes it at once. Default 1,000.
    /// </summary>
    [Range(10, 60_000)]
    public int PollMilliseconds { get; set; } = 1000;

    /// <summary>
    /// Runs that may wait in the queue, across every instance; a request beyond it is answered 429.
    /// A running run does not count. Default 3.
    /// </summary>
    [Range(1, 1000)]
    public int MaxQueued { get; set; } = 3;

    /// <summary>
    /// Seconds a run may take before it is stopped and failed, naming this setting: no run holds the
    /// queue for longer, whatever it was asked to fit. BG/NBD and Gamma-Gamma on a million customers
    /// take a few seconds (docs/benchmarks.md). Default 3,600.
    /// </summary>
    [Range(1, 86_400)]
    public int MaxRunSeconds { get; set; } = 3600;
}

/// <summary>
/// Executes model runs for the life of the process, one at a time across every instance on the
/// database (<see cref="ModelRunLeases"/>): it claims the oldest queued run, renews the run's lease
/// while <see cref="ModelRunner"/> executes it, and fails runs whose lease ran out.
/// </summary>
internal sealed class ModelRunWorker(
    ModelRunWakeUp wakeUp,
    IServiceScopeFactory scopes,
    HeapTrim heapTrim,
    IOptions<ModelRunLeaseOptions> options,
    TimeProvider time,
    ILogger<ModelRunWorker> logger) : BackgroundService
{
    private const string Stopped = "The service stopped while the run was running.";

    private string TookTooLong => $"The run took longer than Clv:ModelRuns:MaxRunSeconds ({options.Value.MaxRunSeconds} s) and was stopped.";
    private const string LeaseRanOut = "The service instance running it stopped renewing its lease (it stopped or lost the database).";

    // This process's name on the runs it claims.
    private readonly Guid _instance = Guid.NewGuid();

    // Whether to look for prediction tables no run needs: at start (a run killed while it wrote
    // left its table), after runs failed for want of a lease or ended here, and until a look succeeds.
    private bool _sweep = true;

    private TimeSpan Lease => TimeSpan.FromSeconds(options.Value.LeaseSeconds);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var failing = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await FailExpiredAsync(stoppingToken);
                while (await UseAsync<ModelRunLeases, Guid?>(l => l.TryClaimAsync(_instance, Lease, stoppingToken)) is { } runId)
                {
                    await RunAsync(runId, stoppingToken);
                    _sweep = true;
                }

                if (_sweep)
                {
                    await DropUnownedTablesAsync(stoppingToken);
                }

                failing = false;
            }
            catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                // Once per outage (the database down, or not migrated yet), not at every look.
                if (!failing)
                {
                    logger.LogWarning(e, "Could not look for model runs to run; looking again every {Milliseconds} ms", options.Value.PollMilliseconds);
                }

                failing = true;
            }

            await wakeUp.WaitAsync(TimeSpan.FromMilliseconds(options.Value.PollMilliseconds), stoppingToken);
        }
    }

    // Runs that lost their instance: failed rather than queued again, because their instance may
    // yet be alive (a long pause) and still loading the run's predictions; a failed run is never
    // run again, so nothing else writes them. What they loaded is dropped by the sweep that follows.
    private async Task FailExpiredAsync(CancellationToken cancellationToken)
    {
        var expired = await UseAsync<ModelRunLeases, List<Guid>>(l => l.FailExpiredAsync(LeaseRanOut, time.GetUtcNow(), cancellationToken));
        foreach (var runId in expired)
        {
            logger.LogWarning("Model run {RunId} failed: its lease ran out", runId);
            _sweep = true;
        }
    }

    // Prediction tables that no running or active run owns hold figures nobody reads, and the
    // erasure would have to reach them for ever: they are dropped (PredictionStore.DropUnownedAsync).
    private async Task DropUnownedTablesAsync(CancellationToken cancellationToken)
    {
        foreach (var table in await UseAsync<PredictionStore, List<string>>(p => p.DropUnownedAsync(cancellationToken)))
        {
            logger.LogWarning("Dropped prediction table {Table}: no running or active model run owns it", table);
        }

        _sweep = false;
    }

    private async Task RunAsync(Guid runId, CancellationToken stoppingToken)
    {
        logger.LogInformation("Model run {RunId} claimed by instance {Instance}", runId, _instance);
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(options.Value.MaxRunSeconds), time);
        using var run = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, deadline.Token);
        using var heartbeat = new CancellationTokenSource();
        var renewing = RenewAsync(runId, run, heartbeat.Token);
        var mark = HeapTrim.Mark();
        try
        {
            await UseAsync<ModelRunner>(r => r.RunAsync(runId, _instance, run.Token));
        }
        catch (OperationCanceledException) when (run.IsCancellationRequested)
        {
            await AbandonAsync(runId, deadline.IsCancellationRequested && !stoppingToken.IsCancellationRequested ? TookTooLong : Stopped);
        }
        catch (Exception e)
        {
            // The runner records its own failures; this guards the loop against anything else. The
            // run keeps its lease until it runs out, and is then failed by whichever instance looks.
            logger.LogError(e, "Model run {RunId} could not be run", runId);
        }
        finally
        {
            await heartbeat.CancelAsync();
            await renewing;
            heapTrim.After(mark, $"model run {runId}");
        }
    }

    // Renews the lease every third of its length. A run whose lease was taken (another instance
    // failed it after the lease ran out) is cancelled: its outcome is no longer its to record.
    private async Task RenewAsync(Guid runId, CancellationTokenSource run, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(Lease / 3, time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                try
                {
                    if (!await UseAsync<ModelRunLeases, bool>(l => l.RenewAsync(runId, _instance, Lease, cancellationToken)))
                    {
                        logger.LogWarning("Model run {RunId} lost its lease to another instance; stopping it", runId);
                        await run.CancelAsync();
                        return;
                    }
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // The next tick tries again; the lease is a third of the way from running out.
                    logger.LogWarning(e, "Could not renew the lease of model run {RunId}", runId);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    // The service is stopping, the run took too long, or it lost its lease: fail the run while it is
    // still this instance's (a no-op otherwise), and drop what it loaded.
    private async Task AbandonAsync(Guid runId, string error)
    {
        try
        {
            if (await UseAsync<ModelRunLeases, bool>(l => l.FailAsync(runId, _instance, error, time.GetUtcNow(), CancellationToken.None)))
            {
                logger.LogWarning("Model run {RunId} failed: {Error}", runId, error);
            }

            await UseAsync<PredictionStore>(p => p.DiscardAsync(runId, CancellationToken.None));
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "Could not record that model run {RunId} stopped; it fails once its lease runs out", runId);
        }
    }

    private async Task<T> UseAsync<TService, T>(Func<TService, Task<T>> work)
        where TService : notnull
    {
        await using var scope = scopes.CreateAsyncScope();
        return await work(scope.ServiceProvider.GetRequiredService<TService>());
    }

    private async Task UseAsync<TService>(Func<TService, Task> work)
        where TService : notnull
    {
        await using var scope = scopes.CreateAsyncScope();
        await work(scope.ServiceProvider.GetRequiredService<TService>());
    }
}
