using System.Net.Http.Headers;
using Clv.Analytics.ModelRuns;
using Clv.Api.Authentication;
using Clv.Data.ModelRuns;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Clv.Api.Tests.Infrastructure;

/// <summary>
/// The API in memory, over a database of its own on the test PostgreSQL, migrated at start.
/// One per test class (xunit class fixture), so classes neither share data nor depend on order.
/// </summary>
public sealed class ClvApiFactory : WebApplicationFactory<Program>, IAsyncLifetime
{
    public const string AdminKey = "test-bootstrap-admin-key-0123456789abcdef";

    private readonly Dictionary<string, string> _settings = new(StringComparer.Ordinal);
    private readonly List<Action<IServiceCollection>> _services = [];
    private string _connectionString = "";
    private bool _ownsDatabase = true;

    public string ConnectionString => _connectionString;

    /// <summary>Overrides a configuration value; call before the first client is created.</summary>
    public ClvApiFactory With(string key, string value)
    {
        _settings[key] = value;
        return this;
    }

    /// <summary>Adds or replaces services, as a test double of an outer system would; call before the first client.</summary>
    public ClvApiFactory WithServices(Action<IServiceCollection> configure)
    {
        _services.Add(configure);
        return this;
    }

    /// <summary>Serves the database of another factory, as a restarted service would; the other one drops it.</summary>
    public ClvApiFactory OnDatabaseOf(ClvApiFactory other)
    {
        _connectionString = other.ConnectionString;
        _ownsDatabase = false;
        return this;
    }

    public async Task InitializeAsync()
    {
        if (_ownsDatabase)
        {
            _connectionString = await TestPostgres.CreateDatabaseAsync();
        }
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await base.DisposeAsync();
        if (_ownsDatabase)
        {
            await TestPostgres.DropDatabaseAsync(_connectionString);
        }
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("ConnectionStrings:Clv", _connectionString);
        builder.UseSetting("Database:MigrateOnStartup", "true");
        builder.UseSetting("Auth:BootstrapAdminKey", AdminKey);
        builder.UseSetting("Serilog:MinimumLevel:Default", "Warning");
        // Tests read what they have just written: every analytics read checks the data version
        // (the service's default serves an answer up to 5 s old under steady ingest).
        builder.UseSetting("Clv:Analytics:MaxStalenessSeconds", "0");
        // Each test class starts the service; the start-up reads would only slow that down
        // (ReadPathWarmupTests turns them on).
        builder.UseSetting("Clv:Analytics:WarmUpOnStart", "false");
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureTestServices(services => _services.ForEach(configure => configure(services)));
    }

    /// <summary>A client that sends the given key, or none.</summary>
    public HttpClient Client(string? apiKey = AdminKey)
    {
        var client = CreateClient();
        if (apiKey is not null)
        {
            client.DefaultRequestHeaders.Add(ApiKeyAuthenticationHandler.HeaderName, apiKey);
        }

        client.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        return client;
    }

    /// <summary>
    /// Starts the service and waits until its readiness probe answers 200, as a load balancer
    /// would: at most 30 s, then fails with the probe's last answer.
    /// </summary>
    public async Task ReadyAsync()
    {
        using var probe = Client(apiKey: null);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            using var ready = await probe.GetAsync("/health/ready");
            if (ready.IsSuccessStatusCode)
            {
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, $"Not ready within 30 s: {(int)ready.StatusCode} {await ready.Content.ReadAsStringAsync()}");
            await Task.Delay(100);
        }
    }

    /// <summary>Runs a scalar SQL query against this factory's database, to check what was stored.</summary>
    public async Task<T> ScalarAsync<T>(string sql, params NpgsqlParameter[] parameters)
    {
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddRange(parameters);
        return (T)Convert.ChangeType((await command.ExecuteScalarAsync())!, typeof(T), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// A model run recorded as running (at the write stage), whose prediction table a test loads through
    /// PredictionStore: a table of a running run is one the recovery of prediction tables leaves alone.
    /// </summary>
    public async Task<Guid> InsertRunningRunAsync()
    {
        var run = Guid.NewGuid();
        await ScalarAsync<int>(
            "INSERT INTO model_runs (id, created_at, status, options, progress, is_active) VALUES (@run, now(), 'Running', '{}', 0.6, false) RETURNING 1",
            new NpgsqlParameter("run", run));
        return run;
    }

    /// <summary>
    /// A model run under a live lease, which holds the ranking refresher back (RankingStore.DueAsync)
    /// until it is disposed: then the run is marked failed a minute ago, and the refresher is free.
    /// </summary>
    public async Task<IAsyncDisposable> HoldRankingRefreshAsync()
    {
        var run = await InsertRunningRunAsync();
        await ExecuteAsync("UPDATE model_runs SET lease_expires_at = now() + interval '1 minute' WHERE id = @id", new NpgsqlParameter("id", run));
        return new EndsRun(this, run);
    }

    private sealed class EndsRun(ClvApiFactory api, Guid run) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync() => await api.ExecuteAsync(
            "UPDATE model_runs SET status = 'Failed', lease_expires_at = NULL, finished_at = now() - interval '1 minute' WHERE id = @id",
            new NpgsqlParameter("id", run));
    }

    /// <summary>Loads a recorded run's predictions and activates them, as the write and swap stages of a model run do.</summary>
    public async Task ActivatePredictionsAsync(Guid run, PredictionColumns columns)
    {
        using var scope = Services.CreateScope();
        var store = scope.ServiceProvider.GetRequiredService<PredictionStore>();
        var erasures = await store.ErasuresAsync(CancellationToken.None);
        var loaded = await store.LoadAsync(run, columns, CancellationToken.None);
        Assert.True(await store.ActivateAsync(loaded, erasures, yieldToPinned: false, DateTimeOffset.UtcNow, CancellationToken.None));
    }

    /// <summary>Runs SQL against this factory's database, to set up or break what a test needs.</summary>
    public async Task ExecuteAsync(string sql, params NpgsqlParameter[] parameters)
    {
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddRange(parameters);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>
    /// Waits, at most 30 s, until a statement on this factory's database whose text is LIKE
    /// <paramref name="queryLike"/> waits for a lock (a row a test's transaction holds, say).
    /// </summary>
    public async Task UntilWaitingForLockAsync(string queryLike)
    {
        for (var deadline = DateTime.UtcNow.AddSeconds(30);
             await ScalarAsync<long>(
                 "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE @query",
                 new NpgsqlParameter("query", queryLike)) == 0;
             await Task.Delay(20))
        {
            Assert.True(DateTime.UtcNow < deadline, $"no statement like {queryLike} waited for a lock within 30 s");
        }
    }
}
