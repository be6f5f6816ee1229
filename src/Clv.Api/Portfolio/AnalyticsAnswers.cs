using Clv.Analytics.Cohorts;
using Clv.Analytics.Historical;
using Clv.Analytics.Portfolio;
using Clv.Data;
using Clv.Data.Analytics.ReadModel;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Clv.Api.Portfolio;

/// <summary>
/// Answers analytics questions from the read model in PostgreSQL, and keeps a bounded number of
/// answers (not customers) so that a dashboard's repeated question costs one single-row read:
/// <list type="bullet">
/// <item>With <c>Clv:Analytics:MaxStalenessSeconds</c> at 0, every read checks the data version and
/// recomputes an answer a write has changed: it sees every committed write.</item>
/// <item>Above 0, an answer checked within that many seconds is served as it is, and one older than
/// half of it (or than the bound less its last computation's time) is refreshed in the background
/// on its next read, so that under steady ingest a dashboard's reads are served from memory and
/// still hold every write acknowledged more than that many seconds before, as long as the answer
/// computes in less than half of it. An older answer is served while its refresh runs: waiting
/// would not make it fresher. One that computes for longer is served up to twice its computation
/// time old, and refreshed meanwhile (docs/read-model.md, "Answers and freshness").</item>
/// </list>
/// Concurrent readers of one question share one computation. Each computation reads one
/// repeatable-read snapshot, whose data version and start time stamp the answer's
/// <c>dataThrough</c>.
/// </summary>
public sealed class AnalyticsAnswers(
    IOptions<ClvOptions> options,
    IOptions<AnalyticsOptions> analytics,
    TimeProvider time,
    IServiceScopeFactory scopes,
    PortfolioRankings rankings,
    ForegroundReads reads,
    ILogger<AnalyticsAnswers> logger) : IDisposable
{
    /// <summary>The most answers kept; more forget the oldest.</summary>
    public const int MaxAnswers = 256;

    // Questions vary freely (dates, groupings); memory must not.
    private readonly BoundedMemo<string, Slot> _slots = new(MaxAnswers, StringComparer.Ordinal);

    // Background refreshes run one at a time, so that they leave the other cores to requests.
    private readonly SemaphoreSlim _background = new(1, 1);
    private string? _connectionString;

    /// <summary>The definitions' parameters in force.</summary>
    public PortfolioSettings Settings { get; } = options.Value.Portfolio();

    /// <summary>Today in the reporting time zone.</summary>
    public DateOnly Today => HistoricalClvCalculator.LocalDate(time.GetUtcNow(), options.Value.TimeZone);

    /// <summary>
    /// The answer to one question: <paramref name="question"/> names it (every parameter the answer
    /// depends on but <paramref name="asOf"/>), and <paramref name="compute"/> computes it from a
    /// snapshot of the read model.
    /// </summary>
    /// <param name="question">The question's key.</param>
    /// <param name="asOf">The day the answer is as of; null for now.</param>
    /// <param name="compute">Computes the answer in the snapshot it is given.</param>
    /// <param name="cancellationToken">Aborted with the request; a computation others wait for goes on.</param>
    public async Task<Answer<T>> GetAsync<T>(string question, DateOnly? asOf, Func<AnswerContext, CancellationToken, Task<T>> compute, CancellationToken cancellationToken)
        where T : class
    {
        var reference = asOf ?? Today;
        var key = $"{question}|{asOf}|{reference}";
        var slot = _slots.GetOrAdd(key, _ => new Slot(
            asOf, async ct => await ComputeAsync(asOf, reference, compute, ct), TimeSpan.FromSeconds(analytics.Value.RankingRefreshSeconds)));
        var staleness = TimeSpan.FromSeconds(analytics.Value.MaxStalenessSeconds);
        var now = time.GetUtcNow();
        if (staleness > TimeSpan.Zero && slot.Current is { } current)
        {
            var (serve, refresh) = KeptAnswerUse(now - current.CheckedAt, current.Took, staleness, slot.Refreshing || slot.Queued);
            if (refresh)
            {
                _ = RefreshInBackgroundAsync(slot, key);
            }

            if (serve)
            {
                return Typed<T>(current);
            }
        }

        // The request waits: background work that reads every customer gives way meanwhile.
        using (reads.Begin())
        {
            return Typed<T>(await slot.RefreshAsync(await ConnectionStringAsync(), time).WaitAsync(cancellationToken));
        }
    }

    /// <summary>
    /// An answer grouped <paramref name="by"/>: the grouping's values are counted first, in the same
    /// snapshot, and when there are more than <c>Clv:Analytics:MaxGroups</c> nothing is computed per
    /// group and the answer's <see cref="Grouped{T}.Value"/> is null.
    /// </summary>
    public Task<Answer<Grouped<T>>> GroupedAsync<T>(
        string question, DateOnly? asOf, string? by, CalendarPeriod period, Func<AnswerContext, GroupSpec, CancellationToken, Task<T>> compute, CancellationToken cancellationToken)
        where T : class =>
        GetAsync(question, asOf, async (context, ct) =>
        {
            var groups = await GroupBy.CountAsync(context, by, analytics.Value.MaxGroups, ct);
            return groups.TooMany() is null
                ? new Grouped<T>(groups, await compute(context, await GroupBy.SpecAsync(context, by, period, ct), ct))
                : new Grouped<T>(groups, null);
        }, cancellationToken);

    /// <inheritdoc/>
    public void Dispose() => _background.Dispose();

    /// <summary>
    /// What a read under the staleness <paramref name="bound"/> does with a kept answer checked
    /// <paramref name="age"/> ago, whose computation took <paramref name="took"/>: whether it is
    /// served (else the reader computes it), and whether a background refresh starts.
    /// <list type="bullet">
    /// <item>Served within the bound, or older while its refresh is queued or runs: a computation
    /// longer than the bound would make every reader wait without making any answer fresher, since
    /// an answer is as of the start of its computation. An answer whose computation takes longer
    /// than half the bound is served up to twice that old: its refresh starts at once, so under
    /// repeated reads it is never older than that, and readers do not wait for it.</item>
    /// <item>Refreshed early enough for the refresh to end within the bound: from half of it, or
    /// sooner by as long as the last computation took.</item>
    /// </list>
    /// </summary>
    internal static (bool Serve, bool Refresh) KeptAnswerUse(TimeSpan age, TimeSpan took, TimeSpan bound, bool refreshUnderWay)
    {
        var serve = age < bound || age < 2 * took || refreshUnderWay;
        return (serve, serve && (age >= bound / 2 || age >= bound - took));
    }

    private static Answer<T> Typed<T>(Kept kept)
        where T : class => new((T)kept.Value, kept.Version, kept.Through, kept.Predictions);

    private async Task RefreshInBackgroundAsync(Slot slot, string key)
    {
        if (slot.Refreshing || !slot.TryQueue())
        {
            return;
        }

        await _background.WaitAsync();
        try
        {
            await slot.RefreshAsync(await ConnectionStringAsync(), time);
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException or TimeoutException)
        {
            // The next read past the staleness bound computes it itself.
            logger.LogWarning(e, "Refreshing the analytics answer {Key} in the background failed", key);
        }
        finally
        {
            slot.Dequeue();
            _background.Release();
        }
    }

    private async Task<Computed> ComputeAsync<T>(
        DateOnly? asOf, DateOnly reference, Func<AnswerContext, CancellationToken, Task<T>> compute, CancellationToken ct)
        where T : class
    {
        await using var connection = new NpgsqlConnection(await ConnectionStringAsync());
        await connection.OpenAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, ct);
        var snapshot = await ReadModelSnapshot.ReadAsync(connection, ct);
        var scope = new AnalyticsScope(asOf, reference, options.Value.ReportingTimeZone, snapshot.ActiveRun) { MostCorrected = analytics.Value.MostCorrectedCustomers };
        var context = new AnswerContext(connection, scope, snapshot.Version, rankings);
        var value = await compute(context, ct);
        long? rankingsStamp = context.RankedEarlier ? await RankingStore.StampAsync(connection, ct) : null;
        await transaction.CommitAsync(ct);
        context.Computed();
        return new Computed(value, snapshot.Version, snapshot.ReadAt, rankingsStamp, snapshot.Predictions);
    }

    private async ValueTask<string> ConnectionStringAsync()
    {
        if (_connectionString is null)
        {
            await using var scope = scopes.CreateAsyncScope();
            _connectionString = scope.ServiceProvider.GetRequiredService<ClvDbContext>().Database.GetConnectionString()!;
        }

        return _connectionString;
    }

    // One question's kept answer and the computation under way, if any. An answer scored against
    // earlier rankings is computed again at least once per rankingRefresh, whatever the stamp
    // says: its computation is what starts a past day's background re-ranking, which may not have
    // stored anything (another instance held the day's lock, and stopped).
    private sealed class Slot(DateOnly? asOf, Func<CancellationToken, Task<Computed>> compute, TimeSpan rankingRefresh)
    {
        private readonly object _gate = new();
        private Task<Kept>? _pending;
        private long _pendingStarted;

        public Kept? Current { get; private set; }

        private int _queued;

        public bool Refreshing => _pending is { IsCompleted: false };

        // One background refresh at a time per question: queued until it has run.
        public bool TryQueue() => Interlocked.CompareExchange(ref _queued, 1, 0) == 0;

        public bool Queued => Volatile.Read(ref _queued) == 1;

        public void Dequeue() => Volatile.Write(ref _queued, 0);

        // Checks the data version, and recomputes when a write has committed since the kept
        // answer. Readers share a check that began after they arrived; a check begun before may
        // miss a write acknowledged before the reader arrived, so the reader waits for it to end
        // and then checks again (with the next readers).
        public async Task<Kept> RefreshAsync(string connectionString, TimeProvider time)
        {
            var arrival = time.GetTimestamp();
            while (true)
            {
                Task<Kept> pending;
                bool begunSince;
                lock (_gate)
                {
                    if (_pending is null || _pending.IsCompleted)
                    {
                        _pendingStarted = time.GetTimestamp();
                        _pending = Task.Run(() => RunAsync(connectionString, time));
                    }

                    pending = _pending;
                    begunSince = _pendingStarted >= arrival;
                }

                if (begunSince)
                {
                    return await pending;
                }

                // Its own readers see how it ends; this one only waits for it.
                await Task.WhenAny(pending);
            }
        }

        private async Task<Kept> RunAsync(string connectionString, TimeProvider time)
        {
            var checkedAt = time.GetUtcNow();
            if (Current is { } current)
            {
                var (read, unchanged) = asOf is { } day
                    ? await ReadModelSnapshot.VersionAsOfAsync(connectionString, current.Version, day, CancellationToken.None)
                    : (await ReadModelSnapshot.VersionAsync(connectionString, CancellationToken.None), false);
                // An answer scored against earlier rankings is computed again once rankings have
                // been stored since, to take them: not at each refresh until then, nor for a reader
                // who arrived while it was computed (the dashboard's tiers and RFM segments, asked
                // at once, computed it twice).
                if ((read.Version <= current.Version || unchanged)
                    && (current.RankingsStamp is not { } stamp
                        || (checkedAt - current.ComputedAt < rankingRefresh && stamp == await RankingStampAsync(connectionString))))
                {
                    // No write since, or none that touched a day up to the answer's: the answer
                    // holds every write acknowledged before this read.
                    return Current = current with { Version = Math.Max(current.Version, read.Version), Through = read.ReadAt, CheckedAt = checkedAt };
                }
            }

            var computed = await compute(CancellationToken.None);
            return Current = new Kept(computed.Value, computed.Version, computed.Through, checkedAt, checkedAt, time.GetUtcNow() - checkedAt, computed.RankingsStamp, computed.Predictions);
        }

        private static async Task<long> RankingStampAsync(string connectionString)
        {
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync();
            return await RankingStore.StampAsync(connection, CancellationToken.None);
        }
    }

    // RankingsStamp: when the answer scored against rankings stored before its snapshot's writes,
    // the stored rankings' stamp then (RankingStore.StampAsync); else null.
    private sealed record Computed(object Value, long Version, DateTimeOffset Through, long? RankingsStamp, PredictionSource? Predictions);

    // ComputedAt: when the computation of Value began; Took: how long it took.
    private sealed record Kept(
        object Value, long Version, DateTimeOffset Through, DateTimeOffset CheckedAt, DateTimeOffset ComputedAt, TimeSpan Took, long? RankingsStamp, PredictionSource? Predictions);
}

/// <summary>An answer per group, or, when the grouping has too many values, only the count of them.</summary>
/// <param name="Groups">The grouping and how many values it has.</param>
/// <param name="Value">The answer; null when <see cref="GroupBy.TooMany"/> refuses it.</param>
public sealed record Grouped<T>(GroupBy Groups, T? Value)
    where T : class;

/// <summary>An analytics answer and how current it is.</summary>
/// <param name="Value">The answer.</param>
/// <param name="Version">The data version it was computed at.</param>
/// <param name="DataThrough">The time up to which every acknowledged write is in it.</param>
/// <param name="Predictions">The model run whose predictions it uses; null when no run was active.</param>
public sealed record Answer<T>(T Value, long Version, DateTimeOffset DataThrough, PredictionSource? Predictions);

/// <summary>What an answer is computed in: one snapshot of the read model, and the scope asked.</summary>
/// <param name="connection">The connection, in a repeatable-read transaction.</param>
/// <param name="scope">The customers and days the answer covers.</param>
/// <param name="version">The data version of the snapshot.</param>
/// <param name="rankings">The stored rankings of every scope.</param>
public sealed class AnswerContext(NpgsqlConnection connection, AnalyticsScope scope, long version, PortfolioRankings rankings)
{
    /// <summary>The connection, in a repeatable-read transaction.</summary>
    public NpgsqlConnection Connection { get; } = connection;

    /// <summary>The customers and days the answer covers.</summary>
    public AnalyticsScope Scope { get; } = scope;

    /// <summary>The data version of the snapshot.</summary>
    public long Version { get; } = version;

    /// <summary>
    /// Whether the answer scored customers against rankings stored before this snapshot's writes
    /// (<see cref="PortfolioRankings.InSnapshotAsync"/>): it is recomputed on its first refresh
    /// after rankings have been stored since, or after <c>Clv:Analytics:RankingRefreshSeconds</c>,
    /// even when no write has come since, so that it takes the refreshed rankings.
    /// </summary>
    public bool RankedEarlier { get; private set; }

    /// <summary>The scope's rankings for this snapshot (<see cref="PortfolioRankings.InSnapshotAsync"/>).</summary>
    public Task<Rankings> CurrentRankingsAsync(CancellationToken ct) => rankings.InSnapshotAsync(this, ct);

    private Action? _afterComputed;

    /// <summary>Marks the answer <see cref="RankedEarlier"/>; <paramref name="reRank"/> starts the scope's re-ranking once it is computed.</summary>
    internal void MarkRankedEarlier(Action reRank)
    {
        RankedEarlier = true;
        _afterComputed = reRank;
    }

    /// <summary>Called once the answer is computed: starts what waited for it.</summary>
    internal void Computed() => _afterComputed?.Invoke();
}
