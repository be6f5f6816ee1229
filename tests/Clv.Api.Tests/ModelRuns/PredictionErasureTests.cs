using System.Net;
using Clv.Analytics.ModelRuns;
using Clv.Api.Tests.Infrastructure;
using Clv.Data.ModelRuns;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Clv.Api.Tests.ModelRuns;

/// <summary>
/// A model run reads its customers, computes, then writes and swaps in their predictions. A customer
/// erased after the read is among them: the swap must leave no row of theirs, whether the erasure
/// committed before the run's table existed (it found nothing to delete) or after. The swap looks
/// for erased customers only when the count of erasures moved since the read
/// (<see cref="PredictionStore.ActivateAsync"/>), so these tests pin the count's protocol.
/// </summary>
public sealed class PredictionErasureTests(ClvApiFactory api) : IClassFixture<ClvApiFactory>
{
    private readonly ClvApiFactory _api = api;

    [Fact]
    public async Task A_customer_erased_between_the_runs_read_and_its_write_has_no_prediction_after_the_swap()
    {
        var ids = await CustomersAsync("a", "b", "c");
        using var scope = _api.Services.CreateScope();
        var store = scope.ServiceProvider.GetRequiredService<PredictionStore>();

        // Given a run that read its inputs (a, b and c) with the count of erasures as it was then.
        var erasures = await store.ErasuresAsync(CancellationToken.None);
        // When b is erased before the run creates its table, then the run writes every row it computed.
        (await _api.Client().DeleteAsync("/api/v1/customers/b")).EnsureSuccessStatusCode();
        var run = await RunAsync(store, ids, erasures);

        Assert.Equal([ids["a"], ids["c"]], await PredictedAsync(run));
    }

    [Fact]
    public async Task A_customer_erased_while_the_run_writes_has_no_prediction_after_the_swap()
    {
        var ids = await CustomersAsync("d", "e");
        using var scope = _api.Services.CreateScope();
        var store = scope.ServiceProvider.GetRequiredService<PredictionStore>();
        var erasures = await store.ErasuresAsync(CancellationToken.None);
        var run = await _api.InsertRunningRunAsync();
        var loaded = await store.LoadAsync(run, Columns(ids.Values), CancellationToken.None);

        // When e is erased after its row is in the run's table, before the swap.
        (await _api.Client().DeleteAsync("/api/v1/customers/e")).EnsureSuccessStatusCode();
        await store.ActivateAsync(loaded, erasures, yieldToPinned: false, DateTimeOffset.UtcNow, CancellationToken.None);

        Assert.Equal([ids["d"]], await PredictedAsync(run));
    }

    [Fact]
    public async Task Each_committed_erasure_counts_once_and_an_unknown_customer_does_not_count()
    {
        await CustomersAsync("f", "g");
        using var scope = _api.Services.CreateScope();
        var store = scope.ServiceProvider.GetRequiredService<PredictionStore>();
        var before = await store.ErasuresAsync(CancellationToken.None);

        (await _api.Client().DeleteAsync("/api/v1/customers/f")).EnsureSuccessStatusCode();
        Assert.Equal(HttpStatusCode.NotFound, (await _api.Client().DeleteAsync("/api/v1/customers/no-such-customer")).StatusCode);
        (await _api.Client().DeleteAsync("/api/v1/customers/g")).EnsureSuccessStatusCode();

        Assert.Equal(before + 2, await store.ErasuresAsync(CancellationToken.None));
    }

    // One purchase each; their customer ids by external id.
    private async Task<Dictionary<string, long>> CustomersAsync(params string[] externalIds)
    {
        var client = _api.Client();
        (await client.PostTransactionsAsync(externalIds.Select(id => HttpAssertions.Tx(id + "-tx1", id)).ToArray())).EnsureSuccessStatusCode();
        var ids = new Dictionary<string, long>();
        foreach (var id in externalIds)
        {
            ids[id] = await _api.ScalarAsync<long>("SELECT customer_id FROM customer_keys WHERE external_id = @id", new NpgsqlParameter("id", id));
        }

        return ids;
    }

    private async Task<Guid> RunAsync(PredictionStore store, Dictionary<string, long> ids, long erasures)
    {
        var run = await _api.InsertRunningRunAsync();
        var loaded = await store.LoadAsync(run, Columns(ids.Values), CancellationToken.None);
        await store.ActivateAsync(loaded, erasures, yieldToPinned: false, DateTimeOffset.UtcNow, CancellationToken.None);
        return run;
    }

    private static PredictionColumns Columns(IEnumerable<long> customerIds)
    {
        var ids = customerIds.ToArray();
        var columns = new PredictionColumns(ids.Length);
        ids.CopyTo(columns.CustomerIds, 0);
        Array.Fill(columns.ProbabilityAlive, 0.5);
        return columns;
    }

    private async Task<List<long>> PredictedAsync(Guid run)
    {
        var ids = new List<long>();
        await using var connection = new NpgsqlConnection(_api.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT customer_id FROM customer_predictions WHERE run_id = @run ORDER BY customer_id", connection);
        command.Parameters.AddWithValue("run", run);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            ids.Add(reader.GetInt64(0));
        }

        return ids;
    }
}
