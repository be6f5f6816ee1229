using Clv.Api.Tests.Infrastructure;

namespace Clv.Api.Tests.Subscriptions;

/// <summary>
/// The migration of 2026-12-06 on an existing installation (<c>AcquisitionFromSubscriptions</c>):
/// customers whose acquisition followed their first transaction, and a subscription starts before
/// it or they have none, are acquired at the subscription's start; a sent acquisition and a later
/// subscription leave it alone, in chunks of 10,000 subscriptions' customers, each committed on its
/// own. The group rollup is then built again and the data version moves, before the dating and
/// after it; a database where no customer moves keeps its rollup.
/// </summary>
public sealed class AcquisitionFromSubscriptionsMigrationTests(MigrationDatabase database) : IClassFixture<MigrationDatabase>
{
    /// <summary>The migration before this one.</summary>
    internal const string Before = "20261205181015_ExternalIdsByteOrder";

    /// <summary>
    /// Customers 100 to 10,149, each acquired at a purchase on 1 Feb 2024 with a subscription from 2 Jan (so that
    /// the migration dates them over two chunks, the first ending at the 10,000th subscription), and one cell in the
    /// group rollup, which is not being rebuilt.
    /// </summary>
    internal const string BulkSubscribersAndARollup = """
            INSERT INTO customers (id, external_id, acquired_at, acquired_at_is_explicit, created_at, updated_at) OVERRIDING SYSTEM VALUE
            SELECT 100 + g, 'bulk' || g, '2024-02-01T10:00:00Z', false, now(), now() FROM generate_series(0, 10049) g;
            INSERT INTO subscriptions (customer_id, external_id, plan, started_at, ended_at, billing_period, amount, currency, ingested_at, updated_at)
            SELECT 100 + g, 'bulk-s' || g, 'pro', '2024-01-02T09:00:00Z', NULL, 1, 30, 'USD', now(), now() FROM generate_series(0, 10049) g;
            INSERT INTO rollup_state (id, time_zone, updated_at, period_rollups_through, period_rollups_window) VALUES (1, 'UTC', now(), NULL, 90)
            ON CONFLICT (id) DO UPDATE SET period_rollups_through = NULL, period_rollups_window = 90;
            INSERT INTO period_rollups (channel, period_kind, cohort, period, members, active, retained, last_purchases, purchases, gross_revenue, refunds, cost)
            VALUES ('unattributed', 1, DATE '2024-02-01', DATE '2024-02-01', 1, 1, 0, 0, 1, 30, 0, 0);
        """;

    [Fact]
    public async Task Customers_a_subscription_starts_before_are_dated_again_and_the_group_rollup_is_built_again()
    {
        await database.MigrateAsync(Before);
        // 1: a purchase on 1 Feb, a subscription from 1 Jan (moves). 2: no transaction, a subscription
        // from 5 Jan (dated). 3: acquisition sent on 1 Mar (stays). 4: a purchase on 1 Jan, a
        // subscription from 1 Feb (stays). 5: no subscription (stays undated). 100 to 10,149: as 1,
        // more customers than one chunk dates.
        await database.ExecuteAsync("""
            INSERT INTO customers (id, external_id, acquired_at, acquired_at_is_explicit, created_at, updated_at) OVERRIDING SYSTEM VALUE
            VALUES (1, 'a', '2024-02-01T10:00:00Z', false, now(), now()), (2, 'b', NULL, false, now(), now()),
                   (3, 'c', '2024-03-01T00:00:00Z', true, now(), now()), (4, 'd', '2024-01-01T10:00:00Z', false, now(), now()),
                   (5, 'e', NULL, false, now(), now());
            INSERT INTO subscriptions (customer_id, external_id, plan, started_at, ended_at, billing_period, amount, currency, ingested_at, updated_at)
            VALUES (1, 's1', 'pro', '2024-01-01T09:00:00Z', NULL, 1, 30, 'USD', now(), now()),
                   (1, 's1b', 'pro', '2024-01-03T09:00:00Z', NULL, 1, 30, 'USD', now(), now()),
                   (2, 's2', 'pro', '2024-01-05T09:00:00Z', NULL, 1, 30, 'USD', now(), now()),
                   (3, 's3', 'pro', '2024-01-01T09:00:00Z', NULL, 1, 30, 'USD', now(), now()),
                   (4, 's4', 'pro', '2024-02-01T09:00:00Z', NULL, 1, 30, 'USD', now(), now());
            """ + BulkSubscribersAndARollup);
        var version = await database.DataVersionAsync();

        await database.MigrateAsync(null);

        Assert.Equal(
            ["a 2024-01-01 09:00", "b 2024-01-05 09:00", "c 2024-03-01 00:00", "d 2024-01-01 10:00", "e "],
            await database.StringsAsync(
                "SELECT external_id || ' ' || coalesce(to_char(acquired_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI'), '') FROM customers WHERE id < 100 ORDER BY id"));
        Assert.Equal(
            ["2024-01-02 09:00 10050"],
            await database.StringsAsync(
                "SELECT to_char(acquired_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') || ' ' || count(*) FROM customers WHERE id >= 100 GROUP BY acquired_at"));
        Assert.Empty(await database.StringsAsync("SELECT id::text FROM period_rollups"));
        Assert.Equal(["0"], await database.StringsAsync("SELECT period_rollups_through::text FROM rollup_state"));
        Assert.Equal(version + 2, await database.DataVersionAsync());
        Assert.Equal(["", ""], await database.StringsAsync($"SELECT coalesce(earliest_day::text, '') FROM data_changes WHERE version > {version}"));

        // Down changes nothing; up again, with every customer dated already, moves none and keeps the rollup.
        await database.MigrateAsync(Before);
        await database.ExecuteAsync("""
            UPDATE rollup_state SET period_rollups_through = NULL;
            INSERT INTO period_rollups (channel, period_kind, cohort, period, members, active, retained, last_purchases, purchases, gross_revenue, refunds, cost)
            VALUES ('unattributed', 1, DATE '2024-01-01', DATE '2024-01-01', 1, 1, 0, 0, 1, 30, 0, 0);
            """);

        await database.MigrateAsync(null);

        Assert.Single(await database.StringsAsync("SELECT id::text FROM period_rollups"));
        Assert.Equal([""], await database.StringsAsync("SELECT coalesce(period_rollups_through::text, '') FROM rollup_state"));
        Assert.Equal(version + 2, await database.DataVersionAsync());
    }
}
