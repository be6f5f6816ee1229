using System.Globalization;
using Clv.Api.ModelRuns;
using Clv.Api.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace Clv.Api.Tests.ModelRuns;

/// <summary>
/// The daily schedule (<c>Clv:ModelRuns:Schedule</c> 02:00 UTC) on a clock the test moves: the
/// database fails at the scheduled minute (the <c>model_runs</c> table is renamed away), then
/// recovers before the next day's.
/// </summary>
public sealed class ModelRunScheduleFailureTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.Parse("2026-01-01T01:59:00Z", CultureInfo.InvariantCulture));
    private readonly CapturedLogger<ModelRunScheduler> _log = new();
    private readonly ClvApiFactory _factory;

    public ModelRunScheduleFailureTests()
    {
        _factory = new ClvApiFactory()
            .With("Clv:ModelRuns:Schedule", "02:00")
            .WithServices(services =>
            {
                services.AddSingleton<TimeProvider>(_clock);
                services.AddSingleton<ILogger<ModelRunScheduler>>(_log);
            });
    }

    public Task InitializeAsync() => _factory.InitializeAsync();

    public Task DisposeAsync() => ((IAsyncLifetime)_factory).DisposeAsync();

    [Fact]
    public async Task A_scheduled_run_failing_on_the_database_is_logged_the_service_keeps_running_and_the_next_slot_queues_a_run()
    {
        var client = _factory.Client();
        var lifetime = _factory.Services.GetRequiredService<IHostApplicationLifetime>();
        await UntilAsync(() => Planned() == 1, "the scheduler planned its first run");

        await ExecuteAsync("ALTER TABLE model_runs RENAME TO model_runs_away");
        _clock.Advance(TimeSpan.FromMinutes(1));
        await UntilAsync(() => _log.Entries.Any(e => e.Level == LogLevel.Error) || lifetime.ApplicationStopping.IsCancellationRequested, "the failure was handled");
        await UntilAsync(() => Planned() == 2 || lifetime.ApplicationStopping.IsCancellationRequested, "the scheduler planned the next slot");

        Assert.False(lifetime.ApplicationStopping.IsCancellationRequested, "a scheduler error stopped the service");
        Assert.Contains(_log.Entries, e => e.Level == LogLevel.Error && e.Message.Contains("model run", StringComparison.OrdinalIgnoreCase));
        (await client.GetAsync("/health/live")).EnsureSuccessStatusCode();

        await ExecuteAsync("ALTER TABLE model_runs_away RENAME TO model_runs");
        _clock.Advance(TimeSpan.FromDays(1));
        await UntilAsync(async () => await _factory.ScalarAsync<long>("SELECT count(*) FROM model_runs") == 1, "the next slot queued a run");
    }

    private int Planned() => _log.Entries.Count(e => e.Message.StartsWith("Next scheduled model run", StringComparison.Ordinal));

    private async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(_factory.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static Task UntilAsync(Func<bool> condition, string what) => UntilAsync(() => Task.FromResult(condition()), what);

    private static async Task UntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting until {what}");
            await Task.Delay(20);
        }
    }
}
