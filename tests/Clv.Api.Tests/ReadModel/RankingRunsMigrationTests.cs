using Clv.Api.Tests.Infrastructure;

namespace Clv.Api.Tests.ReadModel;

/// <summary>
/// The migrations of 2026-12-04 on an existing installation, up and back down: stored rankings,
/// which did not say which model run they ranked, are dropped and rows stored after it name their
/// run (<c>RankingRuns</c>); the compactor's marks get a table of their own
/// (<c>PeriodRollupFolds</c>); both come off again, and the rows of the group rollup are untouched.
/// </summary>
public sealed class RankingRunsMigrationTests(MigrationDatabase database) : IClassFixture<MigrationDatabase>
{
    private const string Before = "20261204043000_PredictionRangePartitions";
    private const string RankingRuns = "20261204120000_RankingRuns";

    [Fact]
    public async Task Rankings_stored_before_are_dropped_and_later_ones_name_their_run_and_both_migrations_come_off_again()
    {
        await database.MigrateAsync(Before);
        await database.ExecuteAsync("""
            INSERT INTO analytics_rankings (scope, data_version, computed_at, buyers, recency, frequency, monetary, tier_values, tier_ids, by_prediction)
            VALUES ('now|2026-12-03', 7, now(), 1, '{}', '{}', '{}', '{}', '{}', false);
            INSERT INTO period_rollups (channel, period_kind, cohort, period, members, active, retained, last_purchases, purchases, gross_revenue, refunds, cost)
            VALUES ('ads', 1, DATE '2024-01-01', DATE '2024-01-01', 3, 2, 0, 0, 4, 40, 0, 0);
            """);

        await database.MigrateAsync(null);

        Assert.Empty(await database.StringsAsync("SELECT scope FROM analytics_rankings"));
        await database.ExecuteAsync("""
            INSERT INTO analytics_rankings (scope, data_version, computed_at, buyers, recency, frequency, monetary, tier_values, tier_ids, by_prediction, run_id)
            VALUES ('now|2026-12-04', 8, now(), 1, '{}', '{}', '{}', '{}', '{}', true, '01a24123-bdc9-7822-a5bb-2d12bcb5f2e3');
            INSERT INTO period_rollup_folds (period_kind, kept, kept_through, folded_at) VALUES (1, 1, 1, now());
            """);
        Assert.Equal(["now|2026-12-04 01a24123-bdc9-7822-a5bb-2d12bcb5f2e3"], await database.StringsAsync("SELECT scope || ' ' || run_id FROM analytics_rankings"));
        Assert.Equal(["1:1"], await database.StringsAsync("SELECT period_kind || ':' || kept FROM period_rollup_folds"));

        await database.MigrateAsync(Before);

        Assert.Empty(await database.StringsAsync(
            "SELECT column_name::text FROM information_schema.columns WHERE table_name = 'analytics_rankings' AND column_name = 'run_id'"));
        Assert.Empty(await database.StringsAsync("SELECT relname::text FROM pg_class WHERE relname = 'period_rollup_folds'"));
        Assert.Equal(["ads:3:40"], await database.StringsAsync("SELECT channel || ':' || members || ':' || gross_revenue FROM period_rollups"));

        await database.MigrateAsync(RankingRuns);
        await database.MigrateAsync(null); // and up again
    }
}
