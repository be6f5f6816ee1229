using System.Threading.Channels;
using Clv.Data;
using Clv.Data.Infrastructure;
using Clv.Data.Ingestion;
using Microsoft.Extensions.Options;

namespace Clv.Api.Ingestion;

/// <summary>
/// Brings the per-customer rollups up to date (<see cref="Rollups"/>): on demand, before a read
/// that needs them, and in the background once transaction ingest has been quiet for
/// <see cref="QuietPeriod"/>, so that the first read after an import seldom waits for it; under
/// constant ingest, at the latest <see cref="MaxLag"/> after the first write it has not caught up.
/// </summary>
public sealed class RollupCatchUp(
    IServiceScopeFactory scopes, IOptions<ClvOptions> options, TransientRetry retry, TimeProvider time, ILogger<RollupCatchUp> logger) : BackgroundService
{
    /// <summary>How long ingest must pause before the background catch-up runs: not during an import, which it would slow.</summary>
    public static readonly TimeSpan QuietPeriod = TimeSpan.FromSeconds(1);

    /// <summary>How long writes may wait for the background catch-up while ingest never pauses.</summary>
    public static readonly TimeSpan MaxLag = TimeSpan.FromSeconds(5);

    // One pending wake-up at most: signals while one waits are the same news.
    private readonly Channel<bool> _signal = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private long _lastWriteTicks;

    /// <summary>Catches up when a committed write is not rolled up yet.</summary>
    /// <returns>Whether it caught up; false when every write was rolled up already.</returns>
    public Task<bool> EnsureCurrentAsync(ClvDbContext db, CancellationToken cancellationToken) =>
        Rollups.EnsureCurrentAsync(db, options.Value.ReportingTimeZone, time.GetUtcNow(), retry, cancellationToken);

    /// <summary>Tells the background worker that transactions were written.</summary>
    public void Written()
    {
        Interlocked.Exchange(ref _lastWriteTicks, time.GetUtcNow().UtcTicks);
        _signal.Writer.TryWrite(true);
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            await _signal.Reader.ReadAsync(stoppingToken);
            var due = time.GetUtcNow() + MaxLag;
            while (WaitBeforeCatchingUp(due) is { } wait)
            {
                await Task.Delay(wait, time, stoppingToken);
            }

            try
            {
                await using var scope = scopes.CreateAsyncScope();
                await EnsureCurrentAsync(scope.ServiceProvider.GetRequiredService<ClvDbContext>(), stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                // The next read catches up instead; nothing is lost by waiting.
                logger.LogWarning(e, "Background rollup catch-up failed; the next read will catch up");
            }
        }
    }

    // How long to wait yet: until ingest has been quiet for QuietPeriod, but not past due; null to go.
    private TimeSpan? WaitBeforeCatchingUp(DateTimeOffset due)
    {
        var now = time.GetUtcNow();
        var quietAt = new DateTimeOffset(Interlocked.Read(ref _lastWriteTicks), TimeSpan.Zero) + QuietPeriod;
        var until = quietAt < due ? quietAt : due;
        return until > now ? until - now : null;
    }
}
