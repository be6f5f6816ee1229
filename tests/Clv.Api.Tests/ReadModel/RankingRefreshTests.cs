using Clv.Analytics.ModelRuns;
using Clv.Api.Portfolio;
using Clv.Api.Tests.Infrastructure;
using Clv.Data.Analytics.ReadModel;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using static Clv.Api.Tests.Infrastructure.HttpAssertions;
using static Clv.Api.Tests.Infrastructure.RankingRows;

namespace Clv.Api.Tests.ReadModel;

/// <summary>
/// Under a staleness bound the current state's rankings are kept stored in the background
/// (RankingRefresher): after a write, and after a model run's activation, they are ranked again
/// without any request asking, so no request ranks every customer; and only the refresher ranks
/// them, so none is ranked beside a model run.
/// </summary>
public sealed class RankingRefreshTests(RankingRefreshTests.BoundedApi api) : IClassFixture<RankingRefreshTests.BoundedApi>
{
    private readonly HttpClient _client = api.Factory.Client();

    public sealed class BoundedApi() : ConfiguredApi(api => api
        .With("Clv:Analytics:MaxStalenessSeconds", "5")
        .With("Clv:Analytics:RankingRefreshSeconds", "0")); // re-ranked as soon as a write has come

    [Fact]
    public async Task The_current_rankings_are_stored_after_a_write_and_after_an_activation_without_a_read()
    {
        (await _client.PostTransactionsAsync(Tx("w1", "W1", amount: 10m), Tx("w2", "W2", amount: 20m))).EnsureSuccessStatusCode();
        await WaitForAsync(
            $"SELECT EXISTS (SELECT FROM {CurrentRankings} WHERE data_version = (SELECT version FROM data_version) AND run_id IS NULL)");

        var run = await TierRankingTests.ActivateRunAsync(api.Factory, ("W1", 5m));
        await WaitForAsync($"SELECT EXISTS (SELECT FROM {CurrentRankings} WHERE run_id = '{run}' AND by_prediction)");
    }

    [Fact]
    public async Task Reads_leave_the_current_rankings_to_the_refresher_which_waits_while_a_run_runs()
    {
        (await _client.PostTransactionsAsync(Tx("r1", "R1", amount: 10m), Tx("r2", "R2", amount: 20m))).EnsureSuccessStatusCode();
        await WaitForAsync(CurrentRankedSql);
        var ranked = await api.Factory.ScalarAsync<long>($"SELECT data_version FROM {CurrentRankings}");

        // A run under a live lease holds the refresher back; customer reads find the rankings behind
        // a write. Neither they nor the segments may rank every customer beside the run.
        await using (await api.Factory.HoldRankingRefreshAsync())
        {
            (await _client.PostTransactionsAsync(Tx("r3", "R1", amount: 30m))).EnsureSuccessStatusCode();
            for (var i = 0; i < 3; i++)
            {
                await (await _client.GetAsync("/api/v1/customers/R1")).JsonAsync();
                await (await _client.GetAsync("/api/v1/segments?by=rfmSegment")).JsonAsync();
                await Task.Delay(TimeSpan.FromSeconds(1)); // a ranking of two customers takes milliseconds
            }

            Assert.Equal(ranked, await api.Factory.ScalarAsync<long>($"SELECT data_version FROM {CurrentRankings}"));
        }

        // The run over, the refresher ranks the write.
        await WaitForAsync(CurrentRankedSql);
    }

    [Fact]
    public async Task The_refresher_gives_way_while_a_request_waits_for_a_computation()
    {
        (await _client.PostTransactionsAsync(Tx("g1", "G1", amount: 10m), Tx("g2", "G2", amount: 20m))).EnsureSuccessStatusCode();
        await WaitForAsync(CurrentRankedSql);
        var ranked = await api.Factory.ScalarAsync<long>($"SELECT data_version FROM {CurrentRankings}");

        // A request waiting for an answer's computation, held past the refresher's check (2 s) and
        // within its patience (10 s): the rankings due after the write wait for it to end.
        var reads = api.Factory.Services.GetRequiredService<ForegroundReads>();
        using (reads.Begin())
        {
            (await _client.PostTransactionsAsync(Tx("g3", "G1", amount: 30m))).EnsureSuccessStatusCode();
            await Task.Delay(TimeSpan.FromSeconds(3));
            Assert.Equal(ranked, await api.Factory.ScalarAsync<long>($"SELECT data_version FROM {CurrentRankings}"));
        }

        await WaitForAsync(CurrentRankedSql);
    }

    private const string CurrentRankedSql =
        $"SELECT EXISTS (SELECT FROM {CurrentRankings} WHERE data_version = (SELECT version FROM data_version) AND run_id IS NOT DISTINCT FROM (SELECT id FROM model_runs WHERE is_active))";

    private async Task WaitForAsync(string condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!await api.Factory.ScalarAsync<bool>(condition))
        {
            Assert.True(DateTime.UtcNow < deadline, $"Not within 30 s: {condition}; stored: " + await api.Factory.ScalarAsync<string>(
                "SELECT coalesce(string_agg(concat_ws(' ', scope, data_version, run_id, by_prediction), '; '), 'none') FROM analytics_rankings"));
            await Task.Delay(100);
        }
    }
}

/// <summary>
/// Tiers rank predicted CLV while a model run is active: once a run is activated, tiers are not
/// scored against the rankings stored before it, which ranked historical CLV. The stored rankings
/// name the run they ranked (<c>analytics_rankings.run_id</c>), so this holds whether or not the
/// data version moved with the activation: the test moves the stored ones to the current version.
/// </summary>
/// <remarks>
/// T1..T10 buy for 10..100. Tiers take the first ⌈1% · 10⌉ = 1 customer as top1: T10 by historical
/// CLV. The run predicts 1,000 for T1 and 1..9 for the others: top1 is then T1, historical CLV 10.
/// </remarks>
public sealed class TierRankingTests(ClvApiFactory api) : IClassFixture<ClvApiFactory>
{
    private readonly HttpClient _client = api.Client();

    [Fact]
    public async Task Tiers_rank_the_predictions_of_a_run_once_it_is_activated()
    {
        (await _client.PostTransactionsAsync([.. Enumerable.Range(1, 10).Select(i => Tx($"t{i}", $"T{i}", amount: 10m * i))])).EnsureSuccessStatusCode();
        Assert.Equal(100m, await TopTierHistoricalClvAsync());
        // The rankings this stored ranked the current data version.
        Assert.True(await api.ScalarAsync<bool>(
            $"SELECT EXISTS (SELECT FROM {CurrentRankings} WHERE data_version = (SELECT version FROM data_version) AND run_id IS NULL)"));

        await ActivateRunAsync(api, [("T1", 1_000m), .. Enumerable.Range(2, 9).Select(i => ($"T{i}", (decimal)i - 1))]);
        // As if the activation had written nothing: the rankings of historical CLV at the current version.
        await api.ExecuteAsync("UPDATE analytics_rankings SET data_version = (SELECT version FROM data_version) WHERE scope LIKE 'now|%'");

        Assert.Equal(10m, await TopTierHistoricalClvAsync());
    }

    /// <summary>Activates a succeeded run that predicts these CLVs for these customers, as a model run does.</summary>
    internal static async Task<Guid> ActivateRunAsync(ClvApiFactory api, params (string Customer, decimal Clv)[] predicted)
    {
        var run = Guid.NewGuid();
        await api.ExecuteAsync(
            "INSERT INTO model_runs (id, created_at, status, options, progress, is_active) VALUES (@run, now(), 'Succeeded', '{\"primaryModel\": \"bgnbd\", \"asOf\": \"2024-06-30\"}', 1, false)",
            new NpgsqlParameter("run", run));
        var columns = new PredictionColumns(predicted.Length);
        for (var i = 0; i < predicted.Length; i++)
        {
            columns.CustomerIds[i] = await api.ScalarAsync<long>(
                "SELECT customer_id FROM customer_keys WHERE external_id = @id", new NpgsqlParameter("id", predicted[i].Customer));
            columns.PredictedClv[i] = predicted[i].Clv;
            columns.ProbabilityAlive[i] = 0.5;
        }

        await api.ActivatePredictionsAsync(run, columns);
        return run;
    }

    private async Task<decimal> TopTierHistoricalClvAsync()
    {
        var body = await (await _client.GetAsync("/api/v1/segments?by=clvTier")).JsonAsync();
        return body.GetProperty("segments").EnumerateArray().Single(s => s.GetProperty("key").GetString() == "top1").Dec("avgHistoricalClv");
    }
}

/// <summary>
/// When the current state's rankings are due a refresh (RankingStore.DueAsync), and that one
/// instance at a time refreshes them.
/// </summary>
public sealed class RankingDueTests(RankingDueTests.QuietWorker quiet) : IClassFixture<RankingDueTests.QuietWorker>
{
    /// <summary>
    /// A service whose model-run worker looks for runs once a minute: the run rows the test moves
    /// through their states (queued, under a lease, expired, ended) stay as it sets them, where a
    /// worker looking every second claimed the queued one or failed the expired one in between.
    /// </summary>
    public sealed class QuietWorker : IAsyncLifetime
    {
        public ClvApiFactory Api { get; } = new ClvApiFactory().With("Clv:ModelRuns:PollMilliseconds", "60000");

        public Task InitializeAsync() => Api.InitializeAsync();

        public Task DisposeAsync() => ((IAsyncLifetime)Api).DisposeAsync();
    }

    private const string Key = "now|2099-01-01";
    private static readonly DateTimeOffset Now = new(2099, 1, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Rankings_are_due_when_none_are_stored_when_writes_came_and_the_interval_passed_or_another_run_is_active_but_not_while_a_run_runs()
    {
        _ = quiet.Api.Client(); // the service is up, its schema migrated
        await using var connection = new NpgsqlConnection(quiet.Api.ConnectionString);
        await connection.OpenAsync();
        var version = await quiet.Api.ScalarAsync<long>("SELECT version FROM data_version");
        var empty = new Rankings(0, [], [], [], [], [], false);

        Assert.True(await RankingStore.DueAsync(connection, Key, Now, Interval, default)); // none stored

        await RankingStore.SaveAsync(connection, Key, new StoredRankings(empty, version, null), Now, default);
        Assert.False(await RankingStore.DueAsync(connection, Key, Now.AddHours(1), Interval, default)); // no write since

        await quiet.Api.ExecuteAsync("UPDATE data_version SET version = version + 1 WHERE id = 1");
        Assert.False(await RankingStore.DueAsync(connection, Key, Now.AddSeconds(59), Interval, default)); // a write, but ranked 59 s ago
        Assert.True(await RankingStore.DueAsync(connection, Key, Now.AddSeconds(61), Interval, default)); // a write, and ranked 61 s ago

        await RankingStore.SaveAsync(connection, Key, new StoredRankings(empty, version + 1, Guid.NewGuid()), Now, default);
        Assert.True(await RankingStore.DueAsync(connection, Key, Now, Interval, default)); // another run than the active one (none)

        // Not while a model run runs under a live lease, or was just queued (its swap would wait
        // for the ranking); an expired lease, or a run queued long ago, does not hold it back.
        var running = await quiet.Api.InsertRunningRunAsync();
        await quiet.Api.ExecuteAsync("UPDATE model_runs SET lease_expires_at = now() + interval '1 minute' WHERE id = @id", new NpgsqlParameter("id", running));
        Assert.False(await RankingStore.DueAsync(connection, Key, Now, Interval, default));
        await quiet.Api.ExecuteAsync("UPDATE model_runs SET lease_expires_at = now() - interval '1 second' WHERE id = @id", new NpgsqlParameter("id", running));
        Assert.True(await RankingStore.DueAsync(connection, Key, Now, Interval, default));
        await quiet.Api.ExecuteAsync("UPDATE model_runs SET status = 'Queued', lease_expires_at = NULL, created_at = now() WHERE id = @id", new NpgsqlParameter("id", running));
        Assert.False(await RankingStore.DueAsync(connection, Key, Now, Interval, default));
        await quiet.Api.ExecuteAsync("UPDATE model_runs SET created_at = now() - interval '2 minutes' WHERE id = @id", new NpgsqlParameter("id", running));
        Assert.True(await RankingStore.DueAsync(connection, Key, Now, Interval, default));
        await quiet.Api.ExecuteAsync("UPDATE model_runs SET status = 'Failed', finished_at = now() WHERE id = @id", new NpgsqlParameter("id", running));
        Assert.False(await RankingStore.DueAsync(connection, Key, Now, Interval, default)); // one ended a moment ago: the next may follow
        await quiet.Api.ExecuteAsync("UPDATE model_runs SET finished_at = now() - interval '6 seconds' WHERE id = @id", new NpgsqlParameter("id", running));
        Assert.True(await RankingStore.DueAsync(connection, Key, Now, Interval, default));
    }

    [Fact]
    public async Task One_instance_at_a_time_refreshes()
    {
        _ = quiet.Api.Client();
        await using var first = new NpgsqlConnection(quiet.Api.ConnectionString);
        await using var second = new NpgsqlConnection(quiet.Api.ConnectionString);
        await first.OpenAsync();
        await second.OpenAsync();
        await using (var holding = await first.BeginTransactionAsync())
        {
            Assert.True(await RankingStore.TryLockScopeAsync(first, Key, default));
            await using var waiting = await second.BeginTransactionAsync();
            Assert.False(await RankingStore.TryLockScopeAsync(second, Key, default));
            Assert.True(await RankingStore.TryLockScopeAsync(second, "2099-01-01|2099-01-01", default)); // another scope's is apart
        }

        await using var after = await second.BeginTransactionAsync();
        Assert.True(await RankingStore.TryLockScopeAsync(second, Key, default)); // released with the holder's transaction
    }
}
