using Clv.Data.Idempotency;
using Microsoft.Extensions.Options;

namespace Clv.Api.Idempotency;

/// <summary>Deletes expired idempotency keys at start and then every <see cref="IdempotencyOptions.PurgeIntervalMinutes"/>.</summary>
internal sealed class IdempotencyPurger(IServiceScopeFactory scopes, IOptions<IdempotencyOptions> options, TimeProvider time, ILogger<IdempotencyPurger> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMinutes(options.Value.PurgeIntervalMinutes), time);
        do
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                var purged = await scope.ServiceProvider.GetRequiredService<IdempotencyStore>().PurgeAsync(time.GetUtcNow(), stoppingToken);
                logger.LogDebug("Purged {Count} expired idempotency keys", purged);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Expired keys are ignored by lookups anyway; the next purge takes them.
                logger.LogWarning(e, "Could not purge expired idempotency keys");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
