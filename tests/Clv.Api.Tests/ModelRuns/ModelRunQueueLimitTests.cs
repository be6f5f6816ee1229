using System.Net;
using System.Net.Http.Json;
using Clv.Api.Tests.Infrastructure;
using Npgsql;

namespace Clv.Api.Tests.ModelRuns;

/// <summary>
/// The cap on queued model runs (<c>Clv:ModelRuns:MaxQueued</c>, default 3), over two API
/// instances on one database (each test starts from no runs). A run held as running with a live lease (inserted by the test)
/// keeps every queued run queued: no instance claims while a run is running.
/// </summary>
public sealed class ModelRunQueueLimitTests(ClvApiFactory api) : IClassFixture<ClvApiFactory>
{
    [Fact]
    public async Task Runs_queued_at_once_through_two_instances_stop_at_the_cap_and_the_rest_are_429_problem()
    {
        await using var second = new ClvApiFactory().OnDatabaseOf(api);
        var clients = new[] { api.Client(), second.Client() };
        var running = await HoldRunningAsync();

        var answers = await Task.WhenAll(Enumerable.Range(0, 12).Select(i => clients[i % 2].PostAsJsonAsync("/api/v1/model-runs", new { })));

        Assert.Equal(3, answers.Count(a => a.StatusCode == HttpStatusCode.Accepted));
        foreach (var refused in answers.Where(a => a.StatusCode != HttpStatusCode.Accepted))
        {
            var problem = await refused.ProblemAsync(HttpStatusCode.TooManyRequests);
            Assert.Contains("3", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        Assert.Equal(3, await api.ScalarAsync<long>("SELECT count(*) FROM model_runs WHERE status = 'Queued'"));
        Assert.Equal(1, await api.ScalarAsync<long>($"SELECT count(*) FROM model_runs WHERE id = '{running}'"));
    }

    [Fact]
    public async Task Only_queued_runs_count_a_running_one_does_not()
    {
        var client = api.Client();
        await HoldRunningAsync();
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.Accepted, (await client.PostAsJsonAsync("/api/v1/model-runs", new { })).StatusCode);
        }

        var full = await client.PostAsJsonAsync("/api/v1/model-runs", new { });
        await full.ProblemAsync(HttpStatusCode.TooManyRequests);
        // Declared on every 429 of the OpenAPI document: a full queue says when to poll again.
        Assert.Equal(TimeSpan.FromSeconds(30), full.Headers.RetryAfter?.Delta);

        // One queued run starts running (as a claim would): the queue has room for one more.
        await ExecuteAsync("""
            UPDATE model_runs SET status = 'Running', lease_owner = gen_random_uuid(), lease_expires_at = now() + interval '1 hour'
            WHERE id = (SELECT id FROM model_runs WHERE status = 'Queued' ORDER BY created_at LIMIT 1)
            """);
        Assert.Equal(HttpStatusCode.Accepted, (await client.PostAsJsonAsync("/api/v1/model-runs", new { })).StatusCode);
        await (await client.PostAsJsonAsync("/api/v1/model-runs", new { })).ProblemAsync(HttpStatusCode.TooManyRequests);
    }

    // A run another instance runs, with a lease an hour long: the instances claim nothing meanwhile.
    private async Task<Guid> HoldRunningAsync()
    {
        var id = Guid.CreateVersion7();
        await ExecuteAsync($$"""
            DELETE FROM model_runs;
            INSERT INTO model_runs (id, status, stage, progress, options, is_active, created_at, lease_owner, lease_expires_at)
            VALUES ('{{id}}', 'Running', 'fit', 0.2, '{"asOf":"2024-01-01","timeUnit":"weeks","models":["bgnbd","gammagamma"],"primaryModel":"bgnbd","horizonMonths":12,"discountRateMonthly":0.01,"penalizer":0}', false, now(), gen_random_uuid(), now() + interval '1 hour')
            """);
        return id;
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(api.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
