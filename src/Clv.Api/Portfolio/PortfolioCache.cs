using System.Collections.Concurrent;
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
    private PortfolioFacts? _facts;
    private DateTimeOffset _checkedAt;
    private long _refreshedAtTicks; // UTC ticks of the last background reload's end, written by its task
    private int _refreshing;

    /// <summary>The definitions' parameters in force.</summary>
    public PortfolioSettings Settings { get; } = options.Value.Portfolio();

    /// <summary>Today in the reporting time zone.</summary>
    public DateOnly Today => HistoricalClvCalculator.LocalDate(time.GetUtcNow(), options.Value.TimeZone);

    /// <summary>The facts as of the latest committed write.</summary>
    /// <param name="db">The request's database context.</param>
    /// <param name="knownVersion">The data version the caller has just read, if any: saves the query.</param>
    /// <param name="cancellationToken">Aborted with the request.</param>
    public async Task<PortfolioFacts> FactsAsync(ClvDbContext db, long? knownVersion, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        var facts = _facts;
        var now = time.GetUtcNow();
        if (facts is not null && now - _checkedAt < TimeSpan.FromSeconds(analytics.Value.MaxStalenessSeconds))
        {
            return facts;
        }

        var version = knownVersion ?? await db.DataVersionAsync(cancellationToken);
        if (facts is not null && facts.Version >= version)
        {
            _checkedAt = now;
            return facts;
        }

        await _reload.WaitAsync(cancellationToken);
        try
        {
            if (_facts is { } loaded && loaded.Version >= version)
            {
                return loaded;
            }

            var started = time.GetTimestamp();
            var fresh = await PortfolioFactsLoader.LoadAsync(db.Database.GetConnectionString()!, options.Value.ReportingTimeZone, cancellationToken);
            _states.Clear();
            _attributes.Clear();
            _facts = fresh;
            _checkedAt = now;

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
        if (_facts is not { } facts)
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
            if (ReferenceEquals(facts, _facts))
            {
                _states[key] = fresh;
            }

            return fresh.Value;
        }

        return states.Value;
    }

    /// <summary>The grouping by a free attribute's value, read once per data version.</summary>
    public async Task<Grouping> AttributeGroupingAsync(ClvDbContext db, PortfolioFacts facts, string key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(facts);
        if (_attributes.TryGetValue(key, out var cached) && cached.GroupOf.Length == facts.Count && ReferenceEquals(facts, _facts))
        {
            return cached;
        }

        var values = await db.AttributeValuesAsync(key, cancellationToken);
        var grouping = Grouping.ByAttribute(key, Array.ConvertAll(facts.CustomerIds, id => values.GetValueOrDefault(id)));
        if (ReferenceEquals(facts, _facts))
        {
            _attributes.Set(key, grouping);
        }

        return grouping;
    }

    /// <inheritdoc/>
    public void Dispose() => _reload.Dispose();
}
