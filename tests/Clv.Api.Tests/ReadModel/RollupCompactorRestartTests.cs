using Clv.Api.Tests.Infrastructure;

namespace Clv.Api.Tests.ReadModel;

/// <summary>
/// What a folding of the group rollup left is stored (<c>period_rollup_folds</c>): a restarted
/// process, or another instance, does not fold again a partition that was folded and has taken
/// too few rows since. A folding rewrites the rows it moves, under new ids, so unchanged ids show
/// that none ran. A class of its own: a database of its own.
/// </summary>
public sealed class RollupCompactorRestartTests(ClvApiFactory api) : IClassFixture<ClvApiFactory>
{
    private const string Ids = "SELECT concat(count(*), ' ', min(id), ' ', max(id)) FROM period_rollups WHERE channel LIKE 'cell-%'";

    [Fact]
    public async Task A_new_instance_does_not_fold_again_what_was_folded()
    {
        await api.ReadyAsync();
        // 25,000 month cells, one row each: past the threshold (20,000) once, then folded into themselves.
        await api.ExecuteAsync("""
            INSERT INTO period_rollups (channel, period_kind, cohort, period, net_value, members, active, retained, last_purchases, purchases, gross_revenue, refunds, cost)
            SELECT 'cell-' || i, 1, NULL, DATE '2024-02-01', NULL, 1, 0, 0, 0, 0, 0, 0, 0 FROM generate_series(1, 25000) AS i
            """);
        var inserted = await api.ScalarAsync<long>("SELECT max(id) FROM period_rollups WHERE channel LIKE 'cell-%'");
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (await api.ScalarAsync<long>("SELECT min(id) FROM period_rollups WHERE channel LIKE 'cell-%'") <= inserted)
        {
            Assert.True(DateTime.UtcNow < deadline, "The first instance did not fold the cells within 60 s.");
            await Task.Delay(200);
        }

        var folded = await api.ScalarAsync<string>(Ids);
        Assert.StartsWith("25000 ", folded, StringComparison.Ordinal);

        // A second instance on the same database, as a restarted or added replica: several of its
        // checks (one a second) find nothing to fold.
        await using var second = new ClvApiFactory().OnDatabaseOf(api);
        await second.ReadyAsync();
        await Task.Delay(TimeSpan.FromSeconds(4));
        Assert.Equal(folded, await api.ScalarAsync<string>(Ids));
    }
}
