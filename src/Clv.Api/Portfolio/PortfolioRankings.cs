using System.Collections.Concurrent;
using Clv.Data;
using Clv.Data.Analytics.ReadModel;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Clv.Api.Portfolio;

/// <summary>
/// The rankings (RFM quintile thresholds, CLV tier boundaries) of each scope, stored in PostgreSQL
/// (<see cref="RankingStore"/>) so that every instance scores customers alike. An answer that
/// groups by RFM segment or tier ranks its own snapshot when the stored rankings are older
/// (<see cref="InSnapshotAsync"/>). A single-customer read scores the customer against the stored
/// ones without waiting (<see cref="ForCustomerAsync"/>); when writes have committed since, this
/// instance refreshes them in the background, at most once per
/// <c>Clv:Analytics:RankingRefreshSeconds</c>.
/// </summary>
public sealed class PortfolioRankings(
    IOptions<ClvOptions> options,
    IOptions<AnalyticsOptions> analytics,
    TimeProvider time,
    IServiceScopeFactory scopes,
    ILogger<PortfolioRankings> logger)
{
    private readonly ConcurrentDictionary<string, byte> _refreshing = new(StringComparer.Ordinal);
    private long _refreshedAtTicks;
    private string? _connectionString;

    /// <summary>The rankings of the context's scope in its snapshot: the stored ones when as current, else ranked there and stored.</summary>
    public async Task<Rankings> InSnapshotAsync(AnswerContext context, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(context);
        var key = RankingStore.Key(context.Scope.Cutoff, context.Scope.Reference);
        if (await RankingStore.ReadAsync(context.Connection, key, ct) is { } stored && stored.Version == context.Version)
        {
            return stored.Rankings;
        }

        var rankings = await Rankings.ComputeAsync(context.Connection, context.Scope, ct);
        await SaveAsync(key, new StoredRankings(rankings, context.Version), ct);
        return rankings;
    }

    /// <summary>
    /// Rankings to score one customer against as of <paramref name="asOf"/> (null: now): the stored
    /// ones, even when writes have committed since <paramref name="knownVersion"/>; ranked now only
    /// when none are stored for the scope.
    /// </summary>
    public async Task<Rankings> ForCustomerAsync(DateOnly? asOf, DateOnly reference, long knownVersion, CancellationToken ct)
    {
        var key = RankingStore.Key(asOf, reference);
        StoredRankings? stored;
        await using (var connection = await OpenAsync(ct))
        {
            stored = await RankingStore.ReadAsync(connection, key, ct);
        }

        if (stored is null)
        {
            return (await RankAsync(asOf, reference, key, ct)).Rankings;
        }

        if (stored.Version < knownVersion)
        {
            RefreshInBackground(asOf, reference, key);
        }

        return stored.Rankings;
    }

    private void RefreshInBackground(DateOnly? asOf, DateOnly reference, string key)
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
                await RankAsync(asOf, reference, key, CancellationToken.None);
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

    // Ranks a scope in a snapshot of its own, and stores the result.
    private async Task<StoredRankings> RankAsync(DateOnly? asOf, DateOnly reference, string key, CancellationToken ct)
    {
        StoredRankings ranked;
        await using (var connection = await OpenAsync(ct))
        await using (var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, ct))
        {
            var snapshot = await ReadModelSnapshot.ReadAsync(connection, ct);
            var scope = new AnalyticsScope(asOf, reference, options.Value.ReportingTimeZone, snapshot.ActiveRun);
            ranked = new StoredRankings(await Rankings.ComputeAsync(connection, scope, ct), snapshot.Version);
            await transaction.CommitAsync(ct);
        }

        await SaveAsync(key, ranked, ct);
        return ranked;
    }

    private async Task SaveAsync(string key, StoredRankings stored, CancellationToken ct)
    {
        await using var connection = await OpenAsync(ct);
        await RankingStore.SaveAsync(connection, key, stored, time.GetUtcNow(), ct);
    }

    private async Task<NpgsqlConnection> OpenAsync(CancellationToken ct)
    {
        if (_connectionString is null)
        {
            await using var scope = scopes.CreateAsyncScope();
            _connectionString = scope.ServiceProvider.GetRequiredService<ClvDbContext>().Database.GetConnectionString()!;
        }

        var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync(ct);
        return connection;
    }
}
