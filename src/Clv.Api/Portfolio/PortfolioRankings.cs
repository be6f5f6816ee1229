using System.Collections.Concurrent;
using Clv.Analytics.Historical;
using Clv.Analytics.Portfolio;
using Clv.Data;
using Clv.Data.Analytics;
using Clv.Data.Analytics.ReadModel;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Clv.Api.Portfolio;

/// <summary>
/// The rankings (RFM quintile thresholds, CLV tier boundaries) of each scope, stored in PostgreSQL
/// (<see cref="RankingStore"/>) so that every instance scores customers alike. Answers that group
/// by RFM segment or tier (<see cref="InSnapshotAsync"/>) and single-customer reads
/// (<see cref="ForCustomerAsync"/>) score against the stored ones without waiting. The current
/// state's are kept stored by <see cref="RankingRefresher"/> (<see cref="RefreshCurrentAsync"/>),
/// one instance at a time, at most once per <c>Clv:Analytics:RankingRefreshSeconds</c> under
/// writes, and by nothing else; when writes have committed since, a read as of a past day
/// refreshes that day's in the background, at most as often, one instance at a time. Only a
/// scope never ranked (a past day first asked, or the current state before its first ranking is
/// stored), or every read with
/// <c>Clv:Analytics:MaxStalenessSeconds</c> at 0, waits for a ranking; requests that need a
/// scope's rankings at the same time share one ranking. A past day after which the book holds
/// nothing ranks as the current state does: it takes the current state's, seen from that day
/// (<see cref="RankingStore.SeenFromCurrentAsync"/>), so that a dashboard's first ask as of its
/// latest purchase day after an import finds them stored, and ranking it ranks the current state.
/// </summary>
public sealed class PortfolioRankings(
    IOptions<ClvOptions> options,
    IOptions<AnalyticsOptions> analytics,
    TimeProvider time,
    IServiceScopeFactory scopes,
    ForegroundReads reads,
    ILogger<PortfolioRankings> logger)
{
    /// <summary>
    /// The longest a background ranking gives way to requests' computations (<see cref="ForegroundReads"/>):
    /// under steady reads it is that much later than due.
    /// </summary>
    public static readonly TimeSpan GiveWayAtMost = TimeSpan.FromSeconds(10);

    // What this instance last read or stored per scope, and when: customer reads take it for up to
    // a second instead of a round trip each (only with a staleness bound; at 0 every read reads).
    private readonly BoundedMemo<string, (StoredRankings Stored, long ReadAtTicks)> _read = new(64, StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _refreshing = new(StringComparer.Ordinal);

    // The rankings of a scope being computed in a snapshot of their own, per scope: requests that
    // need a scope's rankings at once (a dashboard's tiers, RFM segments and at-risk list as of a
    // new day) share one computation instead of each ranking every customer.
    private readonly ConcurrentDictionary<string, Lazy<Task<StoredRankings>>> _ranking = new(StringComparer.Ordinal);
    private long _refreshedAtTicks;
    private string? _connectionString;

    /// <summary>
    /// The rankings to score the context's customers against. The stored ones when they ranked
    /// this snapshot, or, as of a past day, a snapshot no change since touched up to that day
    /// (<see cref="DataVersion.AnswerUnchangedSql"/>), or, as of a past day after which the book
    /// holds nothing, the current state's seen from that day when they ranked this snapshot: exact
    /// either way (the current state's are then stored as the day's too). Otherwise, with
    /// <c>Clv:Analytics:MaxStalenessSeconds</c> above 0, the later of those two all the same, the
    /// day re-ranked in the background at most once per <c>Clv:Analytics:RankingRefreshSeconds</c>
    /// (as the current state when it ranks as one: <see cref="RankAsync"/>), and the context is
    /// marked <see cref="AnswerContext.RankedEarlier"/>: no request ranks every customer once
    /// rankings are stored. At 0, and when none are stored (or those stored ranked a book with no
    /// buyer that has one since: <see cref="RankingStore.RankedNoBuyerOfABookWithOneAsync"/>), the
    /// scope is ranked and the result stored: once for the requests that ask at the same time (in
    /// a snapshot of its own, taken when the first asks), and again in this snapshot only when that
    /// one is not as exact.
    /// </summary>
    public async Task<Rankings> InSnapshotAsync(AnswerContext context, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(context);
        var scope = context.Scope;
        var key = RankingStore.Key(scope.Cutoff, scope.Reference);
        var stored = await RankingStore.ReadAsync(context.Connection, key, ct);
        if (stored is not null && await RankedAsync(stored, context, ct))
        {
            return stored.Rankings;
        }

        // A past day after which the book holds nothing ranks as the current state does, whose
        // rankings the refresher keeps stored: a dashboard's first ask as of its latest purchase
        // day, right after an import, need not rank every customer.
        // Exact, they are stored as the day's too, which stay exact after writes of later days.
        var seen = await RankingStore.SeenFromCurrentAsync(context.Connection, scope, LocalDay(time.GetUtcNow()), ct);
        if (seen is not null && seen.Version == context.Version)
        {
            if (stored is null || stored.Version < seen.Version)
            {
                await SaveAsync(key, seen, ct);
            }

            return seen.Rankings;
        }

        if (analytics.Value.MaxStalenessSeconds > 0
            && Later(stored, seen) is { } earlier
            && !await RankingStore.RankedNoBuyerOfABookWithOneAsync(context.Connection, earlier, scope.Cutoff, ct))
        {
            // Re-ranked once the answer is computed, so as not to share the cores with it.
            context.MarkRankedEarlier(() => RefreshInBackground(scope.Cutoff, scope.Reference, key));
            return earlier.Rankings;
        }

        // The computation under way or started now, in a snapshot of its own, when it ranked this
        // snapshot's data (the same version and active run, or, as of a past day, no change since
        // that touched a day up to it): exact, as the stored ones are. Else this snapshot is ranked.
        var shared = await RankSharedAsync(scope.Cutoff, scope.Reference, key).WaitAsync(ct);
        if (await RankedAsync(shared, context, ct))
        {
            return shared.Rankings;
        }

        var rankings = await Rankings.ComputeAsync(context.Connection, scope, ct);
        await SaveAsync(key, new StoredRankings(rankings, context.Version, scope.ActiveRun), ct);
        return rankings;
    }

    /// <summary>
    /// Keeps the current state's rankings stored: ranks them when none are stored for today, when
    /// they ranked another model run than the active one, or when writes have committed since
    /// they were computed more than <c>Clv:Analytics:RankingRefreshSeconds</c> ago. One instance
    /// at a time (an advisory lock held while it ranks); the others skip. It gives way to requests'
    /// computations for up to <see cref="GiveWayAtMost"/>, and ranks nothing when a request that
    /// found none stored has ranked them meanwhile.
    /// </summary>
    public async Task RefreshCurrentAsync(CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var reference = LocalDay(now);
        var key = RankingStore.Key(null, reference);
        await using var connection = await OpenAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        if (await RankingStore.TryLockScopeAsync(connection, key, ct)
            && await RankingStore.DueAsync(connection, key, now, TimeSpan.FromSeconds(analytics.Value.RankingRefreshSeconds), ct))
        {
            await reads.GiveWayAsync(t => RankUnlessStoredAsync(null, reference, key, t), GiveWayAtMost, ct);
        }

        await transaction.CommitAsync(ct);
    }

    // Of a scope's own stored rankings and the current state's seen from its day, those of the
    // later data version (the current state's when tied: the refresher keeps them); null with neither.
    private static StoredRankings? Later(StoredRankings? stored, StoredRankings? seen) =>
        seen is not null && (stored is null || seen.Version >= stored.Version) ? seen : stored;

    // Whether rankings ranked the context's snapshot: the same data version and active run, or,
    // as of a past day, the same run and no change since that touched a day up to it. Exact either way.
    private static async Task<bool> RankedAsync(StoredRankings stored, AnswerContext context, CancellationToken ct) =>
        stored.Run == context.Scope.ActiveRun
        && (stored.Version == context.Version
            || (context.Scope.Cutoff is { } day && stored.Version < context.Version
                && await DataVersion.UnchangedAsync(context.Connection, stored.Version, day, ct)));

    /// <summary>
    /// Rankings to score one customer against as of <paramref name="asOf"/> (null: now): the stored
    /// ones, even when writes have committed since <paramref name="knownVersion"/>; ranked now only
    /// when none are stored for the scope, or those stored ranked a book with no buyer that has one
    /// since (<see cref="RankingStore.RankedNoBuyerOfABookWithOneAsync"/>).
    /// </summary>
    public async Task<Rankings> ForCustomerAsync(DateOnly? asOf, DateOnly reference, long knownVersion, CancellationToken ct)
    {
        var key = RankingStore.Key(asOf, reference);
        var stored = await ReadStoredAsync(key, ct);
        if (stored is null || (stored.Version < knownVersion && await RankedNoBuyerOfABookWithOneAsync(stored, asOf, ct)))
        {
            return (await RankSharedAsync(asOf, reference, key).WaitAsync(ct)).Rankings;
        }

        if (stored.Version < knownVersion)
        {
            RefreshInBackground(asOf, reference, key);
        }

        return stored.Rankings;
    }

    // A past day's rankings, or with no refresher the current state's, ranked again without
    // waiting: at most once per refresh interval, giving way to requests' computations, and not
    // when a ranking of the scope has stored the current data version's meanwhile. Under a
    // staleness bound the current state's are the refresher's alone, which ranks them one
    // instance at a time, when due and not beside a model run: a read that started one too
    // ranked every customer a second time, at once (two 3 s rankings that took 10 s each at x40,
    // and halved the customer reads beside them).
    private void RefreshInBackground(DateOnly? asOf, DateOnly reference, string key)
    {
        if ((asOf is null && analytics.Value.MaxStalenessSeconds > 0)
            || time.GetUtcNow().UtcTicks - Interlocked.Read(ref _refreshedAtTicks) < TimeSpan.FromSeconds(analytics.Value.RankingRefreshSeconds).Ticks
            || !_refreshing.TryAdd(key, 0))
        {
            return;
        }

        _ = Task.Run(async () =>
        {
            try
            {
                await RerankAsync(asOf, reference, key);
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

    // Re-ranks a scope unless another instance is re-ranking it (its lock) or has just stored it
    // for this snapshot: two replicas reading the same day re-rank it once, not once each. It gives
    // way to requests' computations: it starts as the answer that asked for it ends. A day
    // that ranks as the current state (RankAsync) takes the current state's lock, the refresher's:
    // right after an import the two ranked the current state at once, 4 s each instead of 3.
    private async Task RerankAsync(DateOnly? asOf, DateOnly reference, string key)
    {
        await using var connection = await OpenAsync(CancellationToken.None);
        await using var transaction = await connection.BeginTransactionAsync();
        var today = LocalDay(time.GetUtcNow());
        var day = new AnalyticsScope(asOf, reference, options.Value.ReportingTimeZone, null);
        var lockKey = await RankingStore.RanksAsCurrentAsync(connection, day, today, CancellationToken.None) ? RankingStore.Key(null, today) : key;
        if (await RankingStore.TryLockScopeAsync(connection, lockKey, CancellationToken.None))
        {
            await reads.GiveWayAsync(t => RankUnlessStoredAsync(asOf, reference, key, t), GiveWayAtMost, CancellationToken.None);
        }

        await transaction.CommitAsync();
    }

    // Ranks a scope in the background (RankAsync) unless its stored rankings ranked the current
    // data version and active run: another instance, or a request that found none stored, ranked it
    // while this one waited.
    private async Task RankUnlessStoredAsync(DateOnly? asOf, DateOnly reference, string key, CancellationToken ct)
    {
        await using (var connection = await OpenAsync(ct))
        await using (var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, ct))
        {
            // The snapshot is read first in a transaction (its settings are SET LOCAL).
            var snapshot = await ReadModelSnapshot.ReadAsync(connection, ct);
            if (await RankingStore.ReadAsync(connection, key, ct) is { } stored && stored.Version >= snapshot.Version && stored.Run == snapshot.ActiveRun)
            {
                return;
            }
        }

        await RankAsync(asOf, reference, key, ct);
    }

    // The scope's ranking under way, joined, or a new one started: it goes on when a request that
    // waits for it is aborted, as others may wait for it too, and is forgotten once it has ended
    // (its result is stored by then).
    private Task<StoredRankings> RankSharedAsync(DateOnly? asOf, DateOnly reference, string key)
    {
        Lazy<Task<StoredRankings>>? started = null;
        started = new Lazy<Task<StoredRankings>>(async () =>
        {
            try
            {
                return await RankAsync(asOf, reference, key, CancellationToken.None);
            }
            finally
            {
                _ranking.TryRemove(KeyValuePair.Create(key, started!));
            }
        });
        return _ranking.GetOrAdd(key, started).Value;
    }

    // The day of an instant in the reporting time zone: now's is the current state's reference day.
    private DateOnly LocalDay(DateTimeOffset at) => HistoricalClvCalculator.LocalDate(at, options.Value.TimeZone);

    // Ranks a scope in a snapshot of its own, and stores the result. A past day after which the
    // book holds nothing takes the current state's stored rankings, seen from that day, when they
    // ranked this snapshot (RankingStore.SeenFromCurrentAsync): no customer is read. When they did
    // not, the current state is ranked instead, stored, and seen from the day: one ranking for
    // both, which spares the refresher's (a dashboard's day after an import, read with the current
    // state's earlier rankings, is re-ranked so).
    private async Task<StoredRankings> RankAsync(DateOnly? asOf, DateOnly reference, string key, CancellationToken ct)
    {
        StoredRankings ranked;
        StoredRankings? current = null;
        var today = LocalDay(time.GetUtcNow());
        await using (var connection = await OpenAsync(ct))
        await using (var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, ct))
        {
            var snapshot = await ReadModelSnapshot.ReadAsync(connection, ct);
            var scope = new AnalyticsScope(asOf, reference, options.Value.ReportingTimeZone, snapshot.ActiveRun);
            var seen = await RankingStore.SeenFromCurrentAsync(connection, scope, today, ct);
            Rankings rankings;
            if (seen is not null && seen.Version == snapshot.Version)
            {
                rankings = seen.Rankings;
            }
            else if (seen is not null || await RankingStore.RanksAsCurrentAsync(connection, scope, today, ct))
            {
                var now = await Rankings.ComputeAsync(connection, scope with { Cutoff = null, Reference = today }, ct);
                current = new StoredRankings(now, snapshot.Version, snapshot.ActiveRun);
                rankings = now.MeasuredEarlier(today.DayNumber - reference.DayNumber);
            }
            else
            {
                rankings = await Rankings.ComputeAsync(connection, scope, ct);
            }

            ranked = new StoredRankings(rankings, snapshot.Version, snapshot.ActiveRun);
            await transaction.CommitAsync(ct);
        }

        if (current is not null)
        {
            await SaveAsync(RankingStore.Key(null, today), current, ct);
        }

        await SaveAsync(key, ranked, ct);
        return ranked;
    }

    private async Task SaveAsync(string key, StoredRankings stored, CancellationToken ct)
    {
        await using (var connection = await OpenAsync(ct))
        {
            await RankingStore.SaveAsync(connection, key, stored, time.GetUtcNow(), ct);
        }

        _read.Set(key, (stored, time.GetUtcNow().UtcTicks));
    }

    // RankingStore.RankedNoBuyerOfABookWithOneAsync on a connection of its own, opened only for
    // rankings of no buyer.
    private async Task<bool> RankedNoBuyerOfABookWithOneAsync(StoredRankings stored, DateOnly? cutoff, CancellationToken ct)
    {
        if (stored.Rankings.Buyers > 0)
        {
            return false;
        }

        await using var connection = await OpenAsync(ct);
        return await RankingStore.RankedNoBuyerOfABookWithOneAsync(connection, stored, cutoff, ct);
    }

    // The stored rankings of a scope: as this instance read or stored them within the last second
    // (rankings change once per refresh interval at most), else read now.
    private async Task<StoredRankings?> ReadStoredAsync(string key, CancellationToken ct)
    {
        var now = time.GetUtcNow().UtcTicks;
        if (analytics.Value.MaxStalenessSeconds > 0 && _read.TryGetValue(key, out var kept) && now - kept.ReadAtTicks < TimeSpan.TicksPerSecond)
        {
            return kept.Stored;
        }

        StoredRankings? stored;
        await using (var connection = await OpenAsync(ct))
        {
            stored = await RankingStore.ReadAsync(connection, key, ct);
        }

        if (stored is not null)
        {
            _read.Set(key, (stored, now));
        }

        return stored;
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
