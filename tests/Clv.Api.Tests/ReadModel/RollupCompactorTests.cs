using Clv.Api.Portfolio;
using Clv.Api.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Clv.Api.Tests.ReadModel;

/// <summary>
/// The API folds the group rollup in the background, partition by partition, each when the rows
/// appended to it outnumber what its last folding left (at least 20,000): a partition that took
/// many deltas is folded without waiting for, or folding, one that took few. A class of its own: a
/// database of its own.
/// </summary>
public sealed class RollupCompactorTests(ClvApiFactory api) : IClassFixture<ClvApiFactory>
{
    [Fact]
    public async Task A_partition_past_its_threshold_is_folded_in_the_background_and_the_others_are_left()
    {
        await api.ReadyAsync();
        // Deltas that cancel out: 30,000 in one month cell, 100 among the counts per unit of net revenue.
        await api.ExecuteAsync("""
            INSERT INTO period_rollups (channel, period_kind, cohort, period, net_value, members, active, retained, last_purchases, purchases, gross_revenue, refunds, cost)
            SELECT 'fold-values', 2, NULL, NULL, 10, CASE WHEN i % 2 = 0 THEN 1 ELSE -1 END, 0, 0, 0, 0, 0, 0, 0 FROM generate_series(1, 100) AS i;
            INSERT INTO period_rollups (channel, period_kind, cohort, period, net_value, members, active, retained, last_purchases, purchases, gross_revenue, refunds, cost)
            SELECT 'fold-months', 1, NULL, DATE '2024-01-01', NULL, CASE WHEN i % 2 = 0 THEN 1 ELSE -1 END, 0, 0, 0, 0, 0, 0, 0 FROM generate_series(1, 30000) AS i;
            """);

        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (await api.ScalarAsync<long>("SELECT count(*) FROM period_rollups WHERE channel = 'fold-months'") > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
        }

        Assert.Equal(0, await api.ScalarAsync<long>("SELECT count(*) FROM period_rollups WHERE channel = 'fold-months'"));
        // Ticks later (one a second), the counts per unit of net revenue are still as they were.
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.Equal(100, await api.ScalarAsync<long>("SELECT count(*) FROM period_rollups WHERE channel = 'fold-values'"));
    }
}

/// <summary>
/// The folding gives way to the computations requests wait for (<see cref="ForegroundReads"/>):
/// with one under way, a partition past its threshold is left until the folding's patience
/// (<see cref="RollupCompactor.GiveWayAtMost"/>, 5 s) has passed, and is folded once requests are
/// quiet. A class of its own: a database of its own.
/// </summary>
public sealed class RollupCompactorGiveWayTests(ClvApiFactory api) : IClassFixture<ClvApiFactory>
{
    private const string Rows = "SELECT count(*) FROM period_rollups WHERE channel = 'give-way'";

    [Fact]
    public async Task Folding_waits_while_a_request_waits_for_its_computation()
    {
        await api.ReadyAsync();
        var reads = api.Services.GetRequiredService<ForegroundReads>();
        using (reads.Begin())
        {
            // Every folding that starts from now on waits its patience (5 s) first. One that
            // started before this mark and is under way finds these rows not there yet.
            await api.ExecuteAsync("""
                INSERT INTO period_rollups (channel, period_kind, cohort, period, net_value, members, active, retained, last_purchases, purchases, gross_revenue, refunds, cost)
                SELECT 'give-way', 1, NULL, DATE '2024-03-01', NULL, CASE WHEN i % 2 = 0 THEN 1 ELSE -1 END, 0, 0, 0, 0, 0, 0, 0 FROM generate_series(1, 30000) AS i
                """);

            // Without giving way, the check of the next second folds them (well within this wait).
            await Task.Delay(TimeSpan.FromSeconds(3));
            Assert.Equal(30000, await api.ScalarAsync<long>(Rows));
        }

        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (await api.ScalarAsync<long>(Rows) > 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "The rows were not folded within 60 s of the request's end.");
            await Task.Delay(200);
        }
    }
}
