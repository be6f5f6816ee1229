using Clv.Api.Tests.Infrastructure;

namespace Clv.Api.Tests.Subscriptions;

/// <summary>
/// The migration <c>AcquisitionFromSubscriptions</c> cut short between two of its chunks, then run
/// again: what the first chunk dated stays committed, the group rollup is already empty and marked
/// for a rebuild (so no rebuild can count the half-dated book as final), and the second run dates
/// the customers left and moves the data version again. A trigger stands in for the crash: it
/// fails the second chunk's first update.
/// </summary>
public sealed class AcquisitionFromSubscriptionsCutShortTests(MigrationDatabase database) : IClassFixture<MigrationDatabase>
{
    private const string Migration = "20261206080000_AcquisitionFromSubscriptions";

    [Fact]
    public async Task A_run_cut_short_between_chunks_keeps_the_first_chunk_and_the_next_run_dates_the_rest()
    {
        await database.MigrateAsync(AcquisitionFromSubscriptionsMigrationTests.Before);
        // The first chunk (the first 10,000 subscriptions) dates customers 100 to 10,099.
        await database.ExecuteAsync(AcquisitionFromSubscriptionsMigrationTests.BulkSubscribersAndARollup + """
            CREATE FUNCTION cut_short() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'cut short'; END $$;
            CREATE TRIGGER cut_short BEFORE UPDATE ON customers FOR EACH ROW WHEN (NEW.id >= 10100) EXECUTE FUNCTION cut_short();
            """);
        var version = await database.DataVersionAsync();

        var crash = await Assert.ThrowsAnyAsync<Exception>(() => database.MigrateAsync(null));

        Assert.Contains("cut short", crash.Message, StringComparison.Ordinal);
        Assert.Equal(["2024-01-02 10000", "2024-02-01 50"], await AcquisitionDaysAsync());
        Assert.Empty(await database.StringsAsync("SELECT id::text FROM period_rollups"));
        Assert.Equal(["0"], await database.StringsAsync("SELECT period_rollups_through::text FROM rollup_state"));
        Assert.Equal(version + 1, await database.DataVersionAsync());
        Assert.Empty(await database.StringsAsync($"SELECT migration_id FROM \"__EFMigrationsHistory\" WHERE migration_id = '{Migration}'"));

        await database.ExecuteAsync("DROP TRIGGER cut_short ON customers; DROP FUNCTION cut_short();");
        await database.MigrateAsync(null);

        Assert.Equal(["2024-01-02 10050"], await AcquisitionDaysAsync());
        Assert.Empty(await database.StringsAsync("SELECT id::text FROM period_rollups"));
        Assert.Equal(["0"], await database.StringsAsync("SELECT period_rollups_through::text FROM rollup_state"));
        Assert.Equal(version + 3, await database.DataVersionAsync());
        Assert.Single(await database.StringsAsync($"SELECT migration_id FROM \"__EFMigrationsHistory\" WHERE migration_id = '{Migration}'"));
    }

    private Task<List<string>> AcquisitionDaysAsync() => database.StringsAsync(
        "SELECT day || ' ' || count(*) FROM (SELECT to_char(acquired_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day FROM customers) c GROUP BY day ORDER BY day");
}
