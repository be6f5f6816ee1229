using Clv.Data;
using Clv.Data.ModelRuns;
using Microsoft.EntityFrameworkCore;

namespace Clv.Api.ModelRuns;

/// <summary>Executes queued runs one after another, for the life of the process.</summary>
internal sealed class ModelRunWorker(PendingModelRuns queue, IServiceScopeFactory scopes, ILogger<ModelRunWorker> logger, TimeProvider time) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await RecoverAsync(stoppingToken);
        await foreach (var runId in queue.ReadAllAsync(stoppingToken))
        {
            await using var scope = scopes.CreateAsyncScope();
            var runner = scope.ServiceProvider.GetRequiredService<ModelRunner>();
            try
            {
                await runner.RunAsync(runId, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // The runner records its own failures; this guards the loop against anything else.
                logger.LogError(e, "Model run {RunId} could not be run", runId);
            }
        }
    }

    // A run left running by a stopped process is failed; runs still queued are queued again.
    private async Task RecoverAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<ClvDbContext>();
            await db.ModelRuns.Where(r => r.Status == ModelRunStatus.Running).ExecuteUpdateAsync(u => u
                .SetProperty(r => r.Status, ModelRunStatus.Failed)
                .SetProperty(r => r.Error, "The service stopped while the run was running.")
                .SetProperty(r => r.FinishedAt, time.GetUtcNow()), cancellationToken);
            var queued = await db.ModelRuns.Where(r => r.Status == ModelRunStatus.Queued).OrderBy(r => r.CreatedAt).Select(r => r.Id).ToListAsync(cancellationToken);
            queued.ForEach(queue.Enqueue);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning(e, "Could not recover model runs at start; queued runs wait for the next start");
        }
    }
}
