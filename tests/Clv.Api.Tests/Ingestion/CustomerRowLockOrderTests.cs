using Clv.Api.Tests.Infrastructure;
using Clv.Api.Tests.Subscriptions;
using Npgsql;
using static Clv.Api.Tests.Infrastructure.HttpAssertions;

namespace Clv.Api.Tests.Ingestion;

/// <summary>
/// A write that dates customers' acquisitions (purchases, subscriptions) locks their rows in id
/// order, whatever plan the database picks, as a profile write does. A hash join over
/// <c>customers</c> meets the rows in the table's physical order, where a customer updated since
/// comes after the others; a writer locking in that order and a CRM's profile resend locking in
/// id order would each hold a row the other waits for, a deadlock PostgreSQL breaks only after a
/// second (and a retry). A class of its own: its database plans every join as a hash join.
/// </summary>
public sealed class CustomerRowLockOrderTests(ClvApiFactory api) : IClassFixture<ClvApiFactory>
{
    [Theory]
    [InlineData("transactions")]
    [InlineData("subscriptions")]
    public async Task A_write_that_dates_acquisitions_locks_the_customers_in_id_order(string writer)
    {
        await PlanJoinsByHashingAsync();
        var client = api.Client();
        var (first, second) = ($"lock-{writer}-a", $"lock-{writer}-b");
        // Two customers without an acquisition; the first one's profile changes once more, so its
        // row's current version lies after the second's in the table.
        (await client.PostCustomersAsync(new { externalId = first }, new { externalId = second })).EnsureSuccessStatusCode();
        (await client.PostCustomersAsync(new { externalId = first, country = "DE" })).EnsureSuccessStatusCode();
        var firstId = await IdAsync(first);
        var secondId = await IdAsync(second);
        Assert.True(firstId < secondId);
        Assert.Equal(secondId, await api.ScalarAsync<long>($"SELECT id FROM customers WHERE id IN ({firstId}, {secondId}) ORDER BY ctid LIMIT 1"));

        await using var holder = new NpgsqlConnection(api.ConnectionString);
        await holder.OpenAsync();
        await using var transaction = await holder.BeginTransactionAsync();
        await using (var lockSecond = new NpgsqlCommand($"SELECT 1 FROM customers WHERE id = {secondId} FOR UPDATE", holder))
        {
            await lockSecond.ExecuteNonQueryAsync();
        }

        var write = writer == "transactions"
            ? client.PostTransactionsAsync(
                Tx($"{first}-1", first, "2024-03-01T10:00:00Z", amount: 10m), Tx($"{second}-1", second, "2024-03-02T10:00:00Z", amount: 20m))
            : SubscriptionIngestionTests.PostSubscriptionsAsync(client,
                SubscriptionIngestionTests.Sub($"{first}-1", first, startedAt: "2024-03-01T10:00:00Z"),
                SubscriptionIngestionTests.Sub($"{second}-1", second, startedAt: "2024-03-02T10:00:00Z"));
        await api.UntilWaitingForLockAsync("%UPDATE customers c SET acquired_at%");

        // The writer waits for the second customer's row holding the first's.
        await using (var other = new NpgsqlConnection(api.ConnectionString))
        {
            await other.OpenAsync();
            await using var lockFirst = new NpgsqlCommand($"SELECT 1 FROM customers WHERE id = {firstId} FOR UPDATE NOWAIT", other);
            var refused = await Assert.ThrowsAsync<PostgresException>(() => lockFirst.ExecuteNonQueryAsync());
            Assert.Equal(PostgresErrorCodes.LockNotAvailable, refused.SqlState);
        }

        Assert.False(write.IsCompleted);
        await transaction.CommitAsync();
        (await write).EnsureSuccessStatusCode();
        Assert.Equal(
            "2024-03-01T10:00:00 2024-03-02T10:00:00",
            await api.ScalarAsync<string>($"""
                SELECT string_agg(to_char(acquired_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS'), ' ' ORDER BY id)
                FROM customers WHERE id IN ({firstId}, {secondId})
                """));
    }

    // Sessions opened from now on, the service's included, join by hashing only: the plan that
    // meets the customers' rows in the table's order (a nested loop over the ids, the plan a
    // small batch gets, meets them in id order anyway).
    private async Task PlanJoinsByHashingAsync()
    {
        var database = new NpgsqlConnectionStringBuilder(api.ConnectionString).Database;
        await api.ExecuteAsync($"ALTER DATABASE {database} SET enable_nestloop = off; ALTER DATABASE {database} SET enable_mergejoin = off");
    }

    private Task<long> IdAsync(string externalId) =>
        api.ScalarAsync<long>("SELECT customer_id FROM customer_keys WHERE external_id = @id", new NpgsqlParameter("id", externalId));
}
