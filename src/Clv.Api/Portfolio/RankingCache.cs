using System.Collections.Concurrent;
using Clv.Data;
using Clv.Data.Analytics.ReadModel;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Clv.Api.Portfolio;

/// <summary>
/// The rankings (RFM quintile thresholds, CLV tier boundaries) of a few scopes, kept with the data
/// version they were computed at. Answers that group by RFM segment or tier take them from their
/// own snapshot (<see cref="InSnapshotAsync"/>); a single-customer read scores the customer
/// against the kept ones without waiting (<see cref="ForCustomerAsync"/>), and when writes have
/// committed since, one refresh starts in the background, at most once per
/// <c>Clv:Analytics:RankingRefreshSeconds</c>.
/// </summary>
public sealed class RankingCache(
    IOptions<ClvOptions> options,
    IOptions<AnalyticsOptions> analytics,
    TimeProvider time,
    IServiceScopeFactory scopes,
    ILogger<RankingCache> logger)
{
    // A few scopes: today's, and the past days asked lately.
    private const int MaxScopes = 8;

    private readonly ConcurrentDictionary<(DateOnly? Cutoff, DateOnly Reference), Kept> _kept = new();
    private readonly ConcurrentDictionary<(DateOnly? Cutoff, DateOnly Reference), byte> _refreshing = new();
    private long _refreshedAtTicks;

    /// <summary>The rankings of the context's scope in its snapshot: the kept ones when as current, else computed there and kept.</summary>
    public async Task<Rankings> InSnapshotAsync(AnswerContext context, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(context);
        var key = (context.Scope.Cutoff, context.Scope.Reference);
        if (_kept.TryGetValue(key, out var kept) && kept.Version == context.Version)
        {
            return kept.Rankings;
        }

        var rankings = await Rankings.ComputeAsync(context.Connection, context.Scope, ct);
        Keep(key, new Kept(rankings, context.Version));
        return rankings;
    }

    /// <summary>
    /// Rankings to score one customer against as of <paramref name="asOf"/> (null: now): the kept
    /// ones, even when writes have committed since <paramref name="knownVersion"/>; computed now
    /// only when none are kept for the scope.
    /// </summary>
    public async Task<Rankings> ForCustomerAsync(DateOnly? asOf, DateOnly reference, long knownVersion, CancellationToken ct)
    {
        var key = (asOf, reference);
        if (_kept.TryGetValue(key, out var kept))
        {
            if (kept.Version < knownVersion)
            {
                RefreshInBackground(key);
            }

            return kept.Rankings;
        }

        return (await ComputeAsync(key, ct)).Rankings;
    }

    private void RefreshInBackground((DateOnly? Cutoff, DateOnly Reference) key)
    {
        if (time.GetUtcNow().UtcTicks - Interlocked.Read(ref _refreshedAtTicks) < TimeSpan.FromSeconds(analytics.Value.RankingRefreshSeconds).Ticks
            || !_refreshing.TryAdd(key, 0))
        {
            return;
        }

        _ = Task.Run(async () =>
        {
            try
            {
                await ComputeAsync(key, CancellationToken.None);
            }
            catch (Exception e) when (e is NpgsqlException or InvalidOperationException or TimeoutException)
            {
                // The next customer read that finds them behind tries again.
                logger.LogWarning(e, "Refreshing the rankings in the background failed");
            }
            finally
            {
                Interlocked.Exchange(ref _refreshedAtTicks, time.GetUtcNow().UtcTicks);
                _refreshing.TryRemove(key, out _);
            }
        });
    }

    private async Task<Kept> ComputeAsync((DateOnly? Cutoff, DateOnly Reference) key, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        await using var connection = new NpgsqlConnection(scope.ServiceProvider.GetRequiredService<ClvDbContext>().Database.GetConnectionString());
        await connection.OpenAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, ct);
        var snapshot = await ReadModelSnapshot.ReadAsync(connection, ct);
        var rankings = await Rankings.ComputeAsync(connection, new AnalyticsScope(key.Cutoff, key.Reference, options.Value.ReportingTimeZone, snapshot.ActiveRun), ct);
        await transaction.CommitAsync(ct);
        var kept = new Kept(rankings, snapshot.Version);
        Keep(key, kept);
        return kept;
    }

    private void Keep((DateOnly? Cutoff, DateOnly Reference) key, Kept kept)
    {
        if (!_kept.ContainsKey(key) && _kept.Count >= MaxScopes)
        {
            _kept.Clear();
        }

        _kept.AddOrUpdate(key, kept, (_, old) => old.Version > kept.Version ? old : kept);
    }

    private sealed record Kept(Rankings Rankings, long Version);
}
