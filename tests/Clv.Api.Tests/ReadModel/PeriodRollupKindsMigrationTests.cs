using Clv.Api.Tests.Infrastructure;

namespace Clv.Api.Tests.ReadModel;

/// <summary>
/// The migrations of the group rollup on an existing installation: partitioning it by period kind
/// keeps every row, id for id, and new rows take ids after them; the counts per whole unit of net
/// revenue are built from the counts per net revenue there are; and those go later (the medians
/// read the summaries), and come back from the summaries when that migration is reverted.
/// </summary>
public sealed class PeriodRollupKindsMigrationTests : IAsyncLifetime
{
    private const string Before = "20261203072958_PredictionIntervals";
    private const string Partitioned = "20261203194500_PeriodRollupKinds";
    private const string Buckets = "20261203223000_PeriodRollupValueBuckets";
    private const string BeforeValuesGo = "20261205090000_PastDayLookups";
    private readonly MigrationDatabase _database = new();

    public Task InitializeAsync() => _database.InitializeAsync();

    public Task DisposeAsync() => _database.DisposeAsync();

    [Fact]
    public async Task Rows_of_every_kind_move_to_their_partition_with_their_ids_and_new_rows_come_after_them()
    {
        await MigrateAsync(Before);
        await ExecuteAsync("""
            INSERT INTO period_rollups (channel, period_kind, cohort, period, members, active, retained, last_purchases, purchases,
                                        gross_revenue, refunds, cost, max_day, net_value, repeat)
            SELECT 'ads', k, DATE '2024-01-01', DATE '2024-01-01', i, 0, 0, 0, i, i * 1.5, 0, 0, DATE '2024-01-31',
                   CASE WHEN k = 0 THEN i END, 0
            FROM unnest(ARRAY[0, 1, 3, 12]::smallint[]) AS k, generate_series(1, 5) AS i;
            DELETE FROM period_rollups WHERE period_kind = 3 AND members = 2;
            """);
        var before = await RowsAsync();

        await MigrateAsync(Partitioned);

        Assert.Equal(19, before.Count);
        Assert.Equal(before, await RowsAsync());
        Assert.Equal(
            ["period_rollups_months", "period_rollups_quarters", "period_rollups_values", "period_rollups_years"],
            await StringsAsync("SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'period_rollups'::regclass ORDER BY 1"));
        Assert.Equal(
            ["period_rollups_months:5", "period_rollups_quarters:4", "period_rollups_values:5", "period_rollups_years:5"],
            await StringsAsync("SELECT tableoid::regclass || ':' || count(*) FROM period_rollups GROUP BY tableoid ORDER BY 1"));
        await ExecuteAsync("""
            INSERT INTO period_rollups (channel, period_kind, cohort, period, members, active, retained, last_purchases, purchases, gross_revenue, refunds, cost)
            VALUES ('email', 1, NULL, DATE '2024-02-01', 1, 1, 0, 0, 1, 10, 0, 0)
            """);
        Assert.Equal(before.Max(r => r.Id) + 1, (await RowsAsync()).Max(r => r.Id));
    }

    [Fact]
    public async Task Counts_per_unit_of_net_revenue_are_built_from_the_counts_per_net_revenue_per_channel()
    {
        await MigrateAsync(Partitioned);
        // Deltas as writers leave them: 10.50 added twice and taken back once, 10.99 and 10 in the
        // same unit, −0.25 below zero, 3 added and taken back (nothing left), and a month cell.
        await ExecuteAsync("""
            INSERT INTO period_rollups (channel, period_kind, cohort, period, members, active, retained, last_purchases, purchases,
                                        gross_revenue, refunds, cost, net_value)
            SELECT channel, kind, NULL, NULL, members, 0, 0, 0, 0, 0, 0, 0, net
            FROM (VALUES ('ads', 0::smallint, 10.50, 2), ('ads', 0::smallint, 10.50, -1), ('ads', 0::smallint, 10.99, 1), ('ads', 0::smallint, 10, 1),
                         ('ads', 0::smallint, -0.25, 1), ('ads', 0::smallint, 3, 1), ('ads', 0::smallint, 3, -1), ('tv', 0::smallint, 10.2, 4),
                         ('ads', 1::smallint, NULL, 7)) AS v(channel, kind, net, members);
            """);

        await MigrateAsync(Buckets);

        Assert.Equal(
            ["ads:-1:1", "ads:10:3", "tv:10:4"],
            await StringsAsync("SELECT channel || ':' || net_value || ':' || members FROM period_rollups WHERE period_kind = 2 ORDER BY channel, net_value"));
        Assert.Equal(
            ["period_rollups_value_buckets:3"],
            await StringsAsync("SELECT tableoid::regclass || ':' || count(*) FROM period_rollups WHERE period_kind = 2 GROUP BY tableoid"));
        Assert.Equal(9, (await RowsAsync()).Count(r => r.Kind != 2));
    }

    [Fact]
    public async Task The_counts_per_net_revenue_go_and_come_back_from_the_summaries_when_the_migration_is_reverted()
    {
        await MigrateAsync(BeforeValuesGo);
        // Two customers on 'ads' at 10.50 and one unattributed at 3, summed by writers; a month cell.
        await ExecuteAsync("""
            INSERT INTO customers (id, external_id, acquired_at_is_explicit, acquisition_channel, created_at, updated_at) OVERRIDING SYSTEM VALUE
            VALUES (1, 'a', false, 'ads', now(), now()), (2, 'b', false, 'ads', now(), now()), (3, 'c', false, NULL, now(), now());
            INSERT INTO customer_summaries (customer_id, purchase_count, purchase_days, gross_revenue, refunds, net_revenue, repeat_days_value)
            VALUES (1, 1, 1, 10.5, 0, 10.5, 0), (2, 2, 1, 11, 0.5, 10.5, 0), (3, 1, 1, 3, 0, 3, 0);
            INSERT INTO rollup_state (id, time_zone, updated_at, period_rollups_through, period_rollups_window) VALUES (1, 'UTC', now(), NULL, 90)
            ON CONFLICT (id) DO UPDATE SET period_rollups_through = NULL, period_rollups_window = 90;
            INSERT INTO period_rollups (channel, period_kind, cohort, period, members, active, retained, last_purchases, purchases,
                                        gross_revenue, refunds, cost, net_value)
            VALUES ('ads', 0, NULL, NULL, 2, 0, 0, 0, 0, 0, 0, 0, 10.5), ('unattributed', 0, NULL, NULL, 1, 0, 0, 0, 0, 0, 0, 0, 3),
                   ('ads', 1, NULL, DATE '2024-01-01', 2, 2, 0, 0, 2, 21, 0, 0, NULL);
            INSERT INTO period_rollup_folds (period_kind, kept, kept_through, folded_at) VALUES (0, 2, 2, now()), (1, 1, 3, now());
            """);

        await MigrateAsync(null);

        Assert.Equal(
            ["period_rollups_months", "period_rollups_quarters", "period_rollups_value_buckets", "period_rollups_years"],
            await StringsAsync("SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'period_rollups'::regclass ORDER BY 1"));
        Assert.Equal(["1"], await StringsAsync("SELECT period_kind::text FROM period_rollup_folds"));
        Assert.Equal([(1, 2)], (await RowsAsync()).Select(r => ((int)r.Kind, r.Members)));

        await MigrateAsync(BeforeValuesGo);

        Assert.Equal(
            ["ads:10.5000:2", "unattributed:3.0000:1"],
            await StringsAsync("SELECT channel || ':' || net_value || ':' || members FROM period_rollups WHERE period_kind = 0 ORDER BY channel"));
    }

    private Task MigrateAsync(string? target) => _database.MigrateAsync(target);

    private Task ExecuteAsync(string sql) => _database.ExecuteAsync(sql);

    private Task<List<string>> StringsAsync(string sql) => _database.StringsAsync(sql);

    private Task<List<(long Id, short Kind, int Members, decimal Gross)>> RowsAsync() =>
        _database.RowsAsync(
            "SELECT id, period_kind, members, gross_revenue FROM period_rollups ORDER BY id",
            r => (r.GetInt64(0), r.GetInt16(1), r.GetInt32(2), r.GetDecimal(3)));
}
