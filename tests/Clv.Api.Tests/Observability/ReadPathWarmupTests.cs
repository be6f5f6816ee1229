using System.Net;
using Clv.Api.Health;
using Clv.Api.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using static Clv.Api.Tests.Infrastructure.HttpAssertions;

namespace Clv.Api.Tests.Observability;

/// <summary>The start-up reads (<see cref="ReadPathWarmup"/>): every one answers, none asks what a client will, and readiness waits for them and for the model run's computation after them.</summary>
public sealed class ReadPathWarmupTests(ClvApiFactory api) : IClassFixture<ClvApiFactory>
{
    [Fact]
    public async Task Every_start_up_read_answers_200_through_the_pipeline()
    {
        await using var started = await StartOnDatabaseAsync();

        await Warmup(started).Completion.WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(ReadPathWarmup.Reads.Count, Warmup(started).Statuses.Count);
        Assert.All(Warmup(started).Statuses, status => Assert.Equal((int)HttpStatusCode.OK, status));
    }

    [Fact]
    public async Task After_the_reads_it_runs_a_model_run_s_computation_before_it_reports_ready()
    {
        await using var started = await StartOnDatabaseAsync();

        await Warmup(started).Completion.WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(Clv.Analytics.ModelRuns.ModelRunWarmup.Customers, Warmup(started).RunCustomersWithIntervals);
    }

    [Fact]
    public async Task Start_up_reads_rank_no_day_a_client_asks_about()
    {
        var client = api.Client();
        (await client.PostTransactionsAsync(Tx("w-1", "warm-1", "2024-03-05T10:00:00Z"), Tx("w-2", "warm-2", "2024-04-05T10:00:00Z"))).EnsureSuccessStatusCode();
        await api.ScalarAsync<long>("WITH gone AS (DELETE FROM analytics_rankings RETURNING 1) SELECT count(*) FROM gone");

        await using var started = await StartOnDatabaseAsync();
        await Warmup(started).Completion.WaitAsync(TimeSpan.FromSeconds(60));

        // Ranked as of the warm-up's day only: 1970, before any stored figure.
        Assert.Equal(0L, await api.ScalarAsync<long>("SELECT count(*) FROM analytics_rankings WHERE scope NOT LIKE '1970-01-31|%'"));
    }

    [Fact]
    public async Task Ready_probe_answers_503_until_the_start_up_reads_have_answered()
    {
        await using var runs = await RunsLock.TakeAsync(api);

        await using var started = await StartOnDatabaseAsync();
        var probe = started.Client(apiKey: null);

        var waiting = await probe.GetAsync("/health/ready");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, waiting.StatusCode);
        Assert.Equal("Unhealthy", (await waiting.JsonAsync(HttpStatusCode.ServiceUnavailable)).GetProperty("checks").GetProperty("warmup").GetProperty("status").GetString());

        await runs.DisposeAsync();
        await Warmup(started).Completion.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(HttpStatusCode.OK, (await probe.GetAsync("/health/ready")).StatusCode);
    }

    [Fact]
    public async Task Ready_probe_stops_waiting_for_start_up_reads_after_the_longest_wait()
    {
        await using var runs = await RunsLock.TakeAsync(api);

        await using var started = await StartOnDatabaseAsync(maxWaitSeconds: 1);
        await Task.Delay(TimeSpan.FromSeconds(1.5));

        var ready = await started.Client(apiKey: null).GetAsync("/health/ready");

        Assert.False(Warmup(started).Completion.IsCompleted);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        await runs.DisposeAsync();
        await Warmup(started).Completion.WaitAsync(TimeSpan.FromSeconds(60));
    }

    [Fact]
    public void Without_start_up_reads_it_is_ready_from_construction_before_the_host_runs_it()
    {
        // .NET 10 runs a BackgroundService's ExecuteAsync on the thread pool after the host has
        // started: a probe in between must not find an instance without start-up reads unready.
        var options = Microsoft.Extensions.Options.Options.Create(new Clv.Api.AnalyticsOptions { WarmUpOnStart = false });
        var warmup = new ReadPathWarmup(
            new Microsoft.Extensions.Hosting.Internal.ApplicationLifetime(Microsoft.Extensions.Logging.Abstractions.NullLogger<Microsoft.Extensions.Hosting.Internal.ApplicationLifetime>.Instance),
            null!, options, TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger<ReadPathWarmup>.Instance);

        Assert.True(warmup.Completion.IsCompleted);
        Assert.True(warmup.Settled);
    }

    // A second service on the class's database, with its start-up reads on; started.
    private async Task<ClvApiFactory> StartOnDatabaseAsync(int maxWaitSeconds = 30)
    {
        _ = api.Server; // the class's service has migrated the database
        var started = new ClvApiFactory().OnDatabaseOf(api).With("Clv:Analytics:WarmUpOnStart", "true")
            .With("Clv:Analytics:WarmUpMaxWaitSeconds", maxWaitSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await started.InitializeAsync();
        _ = started.Server;
        return started;
    }

    private static ReadPathWarmup Warmup(ClvApiFactory factory) => factory.Services.GetRequiredService<ReadPathWarmup>();

    // The runs' table held locked until disposed: the first start-up read waits for it.
    private sealed class RunsLock(NpgsqlConnection holder, NpgsqlTransaction transaction) : IAsyncDisposable
    {
        public static async Task<RunsLock> TakeAsync(ClvApiFactory api)
        {
            _ = api.Server; // the class's service has migrated the database
            var holder = new NpgsqlConnection(api.ConnectionString);
            await holder.OpenAsync();
            var transaction = await holder.BeginTransactionAsync();
            await using var lockRuns = new NpgsqlCommand("LOCK TABLE model_runs IN ACCESS EXCLUSIVE MODE", holder, transaction);
            await lockRuns.ExecuteNonQueryAsync();
            return new RunsLock(holder, transaction);
        }

        public async ValueTask DisposeAsync()
        {
            await transaction.DisposeAsync();
            await holder.DisposeAsync();
        }
    }
}
