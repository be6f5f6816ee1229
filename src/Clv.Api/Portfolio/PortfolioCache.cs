using System.Collections.Concurrent;
using Clv.Analytics.Cohorts;
using Clv.Analytics.Historical;
using Clv.Analytics.Portfolio;
using Clv.Data;
using Clv.Data.Analytics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Clv.Api.Portfolio;

/// <summary>
/// Holds the portfolio facts in memory, current with the database: each read compares the data
/// version (one single-row query) and reloads the facts when a write has committed since, once
/// for all waiting readers. Per-customer states are kept per as-of day until the next reload, so
/// a warm segment, time-series or cohort request only aggregates in memory. States, their answers
/// and attribute groupings are each kept to a few (docs/metrics.md), so memory does not grow with
/// the variety of queries.
/// </summary>
public sealed class PortfolioCache(
    IOptions<ClvOptions> options,
    IOptions<AnalyticsOptions> analytics,
    TimeProvider time,
    IServiceScopeFactory scopes,
    ILogger<PortfolioCache> logger) : IDisposable
{
    private const int MaxStates = 4;

    // Each attribute grouping holds an index per customer: keep a few keys, not one per key asked.
    private const int MaxAttributeGroupings = 8;

    private readonly SemaphoreSlim _reload = new(1, 1);
    private readonly ConcurrentDictionary<(DateOnly? Cutoff, DateOnly Reference), Lazy<CustomerStates>> _states = new();
    private readonly BoundedMemo<string, Grouping> _attributes = new(MaxAttributeGroupings, StringComparer.Ordinal);
    private Current? _current;
    private long _refreshedAtTicks; // UTC ticks of the last background reload's end, written by its task
    private int _refreshing;

    /// <summary>The definitions' parameters in force.</summary>
    public PortfolioSettings Settings { get; } = options.Value.Portfolio();

    /// <summary>Today in the reporting time zone.</summary>
    public DateOnly Today => HistoricalClvCalculator.LocalDate(time.GetUtcNow(), options.Value.TimeZone);

    private PortfolioFacts? Loaded => Volatile.Read(ref _current)?.Facts;

    /// <summary>The facts as of the latest committed write.</summary>
    /// <param name="db">The request's database context.</param>
    /// <param name="knownVersion">The data version the caller has just read, if any: saves the query.</param>
    /// <param name="cancellationToken">Aborted with the request.</param>
    public async Task<PortfolioFacts> FactsAsync(ClvDbContext db, long? knownVersion, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        var current = Volatile.Read(ref _current);
        var now = time.GetUtcNow();
        if (current is not null && now - current.CheckedAt < TimeSpan.FromSeconds(analytics.Value.MaxStalenessSeconds))
        {
            return current.Facts;
        }

        var read = knownVersion is null ? await db.DataVersionAsync(cancellationToken) : (DataVersionRead?)null;
        var version = knownVersion ?? read!.Value.Version;
        if (current is not null && current.Facts.Version >= version)
        {
            Confirm(current.Facts, read?.ReadAt, now);
            return current.Facts;
        }

        await _reload.WaitAsync(cancellationToken);
        try
        {
            if (Loaded is { } loaded && loaded.Version >= version)
            {
                Confirm(loaded, read?.ReadAt, now);
                return loaded;
            }

            var started = time.GetTimestamp();
            var fresh = await PortfolioFactsLoader.LoadAsync(db.Database.GetConnectionString()!, options.Value.ReportingTimeZone, cancellationToken);
            _states.Clear();
            _attributes.Clear();
            Volatile.Write(ref _current, new Current(fresh, fresh.ReadAt, now));

            // The load leaves the previous facts and its growing buffers as garbage in the large
            // object heap; an aggressive collection returns that memory to the system at once.
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
            logger.LogInformation(
                "Loaded portfolio facts at data version {Version}: {Customers} customers, {Days} customer days in {Elapsed:F0} ms",
                fresh.Version, fresh.Count, fresh.Day.Length, time.GetElapsedTime(started).TotalMilliseconds);
            return fresh;
        }
        finally
        {
            _reload.Release();
        }
    }

    /// <summary>
    /// Every customer's state at <paramref name="asOf"/> (transactions to the end of that day), or
    /// now (every transaction, measured to today) without it.
    /// </summary>
    public async Task<CustomerStates> StatesAsync(ClvDbContext db, DateOnly? asOf, CancellationToken cancellationToken, long? knownVersion = null) =>
        States(await FactsAsync(db, knownVersion, cancellationToken), asOf);

    /// <summary>
    /// States to rank one customer against, without waiting for a reload: the loaded facts' states
    /// even when writes have committed since (the first read of all loads them). A read that finds
    /// the facts behind <paramref name="knownVersion"/> starts a reload in the background, one at a
    /// time and at most once per <c>Clv:Analytics:RankingRefreshSeconds</c>. Whether the states
    /// are current shows in their <see cref="PortfolioFacts.Version"/>.
    /// </summary>
    public async Task<CustomerStates> RankingStatesAsync(ClvDbContext db, DateOnly? asOf, long knownVersion, CancellationToken cancellationToken)
    {
        if (Loaded is not { } facts)
        {
            return await StatesAsync(db, asOf, cancellationToken, knownVersion);
        }

        if (facts.Version < knownVersion)
        {
            RefreshInBackground();
        }

        return States(facts, asOf);
    }

    private void RefreshInBackground()
    {
        if (time.GetUtcNow().UtcTicks - Interlocked.Read(ref _refreshedAtTicks) < TimeSpan.FromSeconds(analytics.Value.RankingRefreshSeconds).Ticks
            || Interlocked.CompareExchange(ref _refreshing, 1, 0) != 0)
        {
            return;
        }

        _ = Task.Run(async () =>
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                await FactsAsync(scope.ServiceProvider.GetRequiredService<ClvDbContext>(), null, CancellationToken.None);
            }
            catch (Exception e) when (e is NpgsqlException or InvalidOperationException or TimeoutException)
            {
                // The next read that finds the facts behind tries again; analytics reads load them themselves.
                logger.LogWarning(e, "Reloading the portfolio facts in the background failed");
            }
            finally
            {
                Interlocked.Exchange(ref _refreshedAtTicks, time.GetUtcNow().UtcTicks);
                Volatile.Write(ref _refreshing, 0);
            }
        });
    }

    private CustomerStates States(PortfolioFacts facts, DateOnly? asOf)
    {
        var key = (asOf, asOf ?? Today);
        if (!_states.ContainsKey(key) && _states.Count >= MaxStates)
        {
            // Each as-of day holds arrays over every customer: keep a few, not one per day asked.
            _states.Clear();
        }

        var states = _states.GetOrAdd(key, k => new Lazy<CustomerStates>(() => CustomerStates.Compute(facts, k.Cutoff, k.Reference, Settings)));
        if (!ReferenceEquals(states.Value.Facts, facts))
        {
            // Computed from facts replaced in between: compute afresh, and keep it for the next reader.
            var fresh = new Lazy<CustomerStates>(() => CustomerStates.Compute(facts, key.Item1, key.Item2, Settings));
            if (ReferenceEquals(facts, Loaded))
            {
                _states[key] = fresh;
            }

            return fresh.Value;
        }

        return states.Value;
    }

    /// <summary>
    /// The grouping <paramref name="by"/> names (null: everyone in one group) over the customers of
    /// <paramref name="states"/>. Channels and attribute values are free text, so their number is
    /// counted for <c>Clv:Analytics:MaxGroups</c> before anything is computed per group; the other
    /// groupings are bounded by definition and are built only when an answer needs them.
    /// </summary>
    /// <param name="db">The request's database context, to read an attribute's values.</param>
    /// <param name="states">The customers' states the answer is computed from.</param>
    /// <param name="by">A grouping <see cref="GroupBy.IsKnown"/> accepts, or null.</param>
    /// <param name="period">The period of cohorts.</param>
    /// <param name="cancellationToken">Aborted with the request.</param>
    public async Task<GroupBy> GroupingAsync(ClvDbContext db, CustomerStates states, string? by, CalendarPeriod period, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(states);
        var facts = states.Facts;
        var maxGroups = analytics.Value.MaxGroups;
        if (GroupBy.AttributeKey(by) is { } key)
        {
            var attribute = await AttributeGroupingAsync(db, facts, key, cancellationToken);
            return new GroupBy(by, attribute.Names.Count, maxGroups, () => attribute);
        }

        GroupBy Bounded(Func<Grouping> build) => new(by, null, maxGroups, build);
        return by switch
        {
            null => Bounded(() => Grouping.All(facts)),
            // ISO 3166-1 codes, checked at ingest: at most 249 and unknown.
            "country" => Bounded(() => Grouping.ByCountry(facts)),
            // A calendar period each, from 1970 to a day ahead: about 700 months at most.
            "cohort" => Bounded(() => Grouping.ByCohort(facts, period)),
            "rfmSegment" => Bounded(() => Grouping.ByRfmSegment(states)),
            "clvTier" => Bounded(() => Grouping.ByClvTier(states)),
            _ => new GroupBy(by, facts.Channels.Length, maxGroups, () => Grouping.ByChannel(facts)),
        };
    }

    // The grouping by a free attribute's value, read once per data version.
    private async Task<Grouping> AttributeGroupingAsync(ClvDbContext db, PortfolioFacts facts, string key, CancellationToken cancellationToken)
    {
        if (_attributes.TryGetValue(key, out var cached) && cached.GroupOf.Length == facts.Count && ReferenceEquals(facts, Loaded))
        {
            return cached;
        }

        var values = await db.AttributeValuesAsync(key, cancellationToken);
        var grouping = Grouping.ByAttribute(key, Array.ConvertAll(facts.CustomerIds, id => values.GetValueOrDefault(id)));
        if (ReferenceEquals(facts, Loaded))
        {
            _attributes.Set(key, grouping);
        }

        return grouping;
    }

    /// <summary>
    /// The time up to which every acknowledged write is in answers computed from
    /// <paramref name="facts"/>: the latest version check that found them current, or else the
    /// time they were read (docs/metrics.md, "Freshness").
    /// </summary>
    public DateTimeOffset DataThrough(PortfolioFacts facts)
    {
        ArgumentNullException.ThrowIfNull(facts);
        return Volatile.Read(ref _current) is { } current && ReferenceEquals(current.Facts, facts) ? current.Through : facts.ReadAt;
    }

    /// <inheritdoc/>
    public void Dispose() => _reload.Dispose();

    // A check found no write committed after the facts' version: they hold every write
    // acknowledged before the check's time too. Several readers confirm at once; keep the latest.
    private void Confirm(PortfolioFacts facts, DateTimeOffset? readAt, DateTimeOffset now)
    {
        while (Volatile.Read(ref _current) is { } seen && ReferenceEquals(seen.Facts, facts))
        {
            var confirmed = new Current(
                facts,
                readAt > seen.Through ? readAt.Value : seen.Through,
                now > seen.CheckedAt ? now : seen.CheckedAt);
            if (ReferenceEquals(Interlocked.CompareExchange(ref _current, confirmed, seen), seen))
            {
                return;
            }
        }
    }

    // The facts served, the database time through which they are known current, and when (on this
    // process's clock) that was last checked, for Clv:Analytics:MaxStalenessSeconds. Replaced whole.
    private sealed record Current(PortfolioFacts Facts, DateTimeOffset Through, DateTimeOffset CheckedAt);
}
