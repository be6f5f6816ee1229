using Clv.Api.Tests.Infrastructure;
using Npgsql;
using static Clv.Api.Tests.Infrastructure.HttpAssertions;

namespace Clv.Api.Tests.Ingestion;

/// <summary>
/// The per-customer rollups (day rollup and summary) that reads and model runs use: derived from
/// the transactions after ingest, through a queue that every read catches up first.
/// </summary>
public sealed class SummaryRollupTests(ClvApiFactory api) : IClassFixture<ClvApiFactory>
{
    private readonly HttpClient _client = api.Client();

    [Fact]
    public async Task Summary_keeps_first_and_last_purchase_day_and_the_value_of_repeat_days_whatever_the_arrival_order()
    {
        // Days: 01-03 buys 7; 01-02 buys 20 and refunds 5 (value 15); 01-01 buys 10; 01-04 only a refund of 4.
        // Purchase days 01-01..01-03; the repeat days are 01-02 and 01-03: 15 + 7 = 22. The refund-only day
        // is no purchase day and adds nothing to the repeat value. Sent newest first, in two batches.
        (await _client.PostTransactionsAsync(Tx("o-3", "o-cust", "2024-01-03T10:00:00Z", amount: 7m), Tx("o-4", "o-cust", "2024-01-04T10:00:00Z", type: "refund", amount: 4m))).EnsureSuccessStatusCode();
        (await _client.PostTransactionsAsync(
            Tx("o-2a", "o-cust", "2024-01-02T10:00:00Z", amount: 20m),
            Tx("o-2b", "o-cust", "2024-01-02T11:00:00Z", type: "refund", amount: 5m),
            Tx("o-1", "o-cust", "2024-01-01T10:00:00Z", amount: 10m))).EnsureSuccessStatusCode();

        const string Summary = "FROM customer_summaries s JOIN customers c ON c.id = s.customer_id WHERE c.external_id = 'o-cust'";
        Assert.Equal(22m, await api.ScalarAsync<decimal>($"SELECT repeat_days_value {Summary}"));
        Assert.Equal("2024-01-01", await api.ScalarAsync<string>($"SELECT first_purchase_day::text {Summary}"));
        Assert.Equal("2024-01-03", await api.ScalarAsync<string>($"SELECT last_purchase_day::text {Summary}"));
        Assert.Equal(3, await api.ScalarAsync<int>($"SELECT purchase_days {Summary}"));
        Assert.Equal(28m, await api.ScalarAsync<decimal>($"SELECT net_revenue {Summary}")); // 37 - 9
    }

    [Fact]
    public async Task A_read_right_after_a_write_sees_it_whole()
    {
        // Three writes, each read at once: 10, then 10 + 5, then 10 + 5 - 3 (a refund).
        decimal[] expected = [10m, 15m, 12m];
        (string Id, string Type, decimal Amount)[] writes = [("w-1", "purchase", 10m), ("w-2", "purchase", 5m), ("w-3", "refund", 3m)];
        for (var i = 0; i < writes.Length; i++)
        {
            (await _client.PostTransactionsAsync(Tx(writes[i].Id, "w-cust", $"2024-02-0{i + 1}T10:00:00Z", type: writes[i].Type, amount: writes[i].Amount))).EnsureSuccessStatusCode();
            var customer = await (await _client.GetAsync("/api/v1/customers/w-cust")).JsonAsync();
            Assert.Equal(expected[i], customer.GetProperty("historical").GetProperty("netRevenue").GetDecimal());
        }
    }

    [Fact]
    public async Task A_customer_read_never_waits_for_the_catch_up_even_for_a_customer_without_a_summary_yet()
    {
        // The portfolio facts are loaded first (their load does catch up). Then the test holds the
        // catch-up's lock, so that any read waiting for a catch-up would hang, writes a new customer
        // and an existing one, and reads both: the answers come from their transactions.
        (await _client.PostTransactionsAsync(Tx("nw-1", "nw-old", "2024-05-01T10:00:00Z", amount: 10m))).EnsureSuccessStatusCode();
        (await _client.GetAsync("/api/v1/segments?by=rfmSegment")).EnsureSuccessStatusCode();
        await using var connection = new NpgsqlConnection(api.ConnectionString);
        await connection.OpenAsync();
        await using (var hold = new NpgsqlCommand($"SELECT pg_advisory_lock({Clv.Data.Ingestion.Rollups.LockKey})", connection))
        {
            await hold.ExecuteNonQueryAsync();
        }

        try
        {
            (await _client.PostTransactionsAsync(
                Tx("nw-2", "nw-new", "2024-05-02T10:00:00Z", amount: 7m), Tx("nw-3", "nw-old", "2024-05-03T10:00:00Z", type: "refund", amount: 4m)))
                .EnsureSuccessStatusCode();
            using var reads = new CancellationTokenSource(TimeSpan.FromSeconds(20));

            var created = await (await _client.GetAsync("/api/v1/customers/nw-new", reads.Token)).JsonAsync();
            var updated = await (await _client.GetAsync("/api/v1/customers/nw-old", reads.Token)).JsonAsync();

            Assert.Equal((7m, 1L), (created.GetProperty("historical").Dec("netRevenue"), created.GetProperty("historical").Long("purchaseDays")));
            Assert.Equal("2024-05-02T10:00:00+00:00", created.GetProperty("historical").GetProperty("firstPurchaseAt").GetString());
            Assert.Equal((6m, 4m), (updated.GetProperty("historical").Dec("netRevenue"), updated.GetProperty("historical").Dec("refunds")));
        }
        finally
        {
            await using var release = new NpgsqlCommand($"SELECT pg_advisory_unlock({Clv.Data.Ingestion.Rollups.LockKey})", connection);
            await release.ExecuteNonQueryAsync();
        }
    }

    [Fact]
    public async Task Under_writes_that_never_pause_the_rollups_still_catch_up_within_seconds()
    {
        // A write every 200 ms, never a quiet second: the background catch-up runs anyway, five
        // seconds after the first write it has not caught up. Read the tables directly (a read
        // through the API would catch up itself); give up after 20 s of writing.
        await using var connection = new NpgsqlConnection(api.ConnectionString);
        await connection.OpenAsync();
        (await _client.PostTransactionsAsync(Tx("np-0", "np-cust", "2024-04-01T10:00:00Z", amount: 1m))).EnsureSuccessStatusCode();
        await using var version = new NpgsqlCommand("SELECT version FROM data_version", connection);
        var first = (long)(await version.ExecuteScalarAsync())!;
        await using var rolledUp = new NpgsqlCommand("SELECT rolled_up_version FROM rollup_state", connection);
        var started = DateTime.UtcNow;
        for (var i = 1; (long)(await rolledUp.ExecuteScalarAsync())! < first; i++)
        {
            Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(20), "The rollups did not catch up within 20 s of writes that never paused.");
            (await _client.PostTransactionsAsync(Tx($"np-{i}", "np-cust", "2024-04-01T10:00:00Z", amount: 1m))).EnsureSuccessStatusCode();
            await Task.Delay(200);
        }
    }

    [Fact]
    public async Task Without_any_read_the_rollups_catch_up_once_ingest_is_quiet()
    {
        (await _client.PostTransactionsAsync(Tx("q-1", "q-cust", "2024-03-01T10:00:00Z", amount: 8m))).EnsureSuccessStatusCode();

        // Read the tables directly, not through the API (a read would catch up itself): the
        // background catch-up runs after a second without ingest.
        await using var connection = new NpgsqlConnection(api.ConnectionString);
        await connection.OpenAsync();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            await using var command = new NpgsqlCommand("""
                SELECT (SELECT count(*) FROM rollup_queue) = 0
                   AND (SELECT rolled_up_version FROM rollup_state) >= (SELECT version FROM data_version)
                   AND (SELECT s.net_revenue FROM customer_summaries s JOIN customers c ON c.id = s.customer_id WHERE c.external_id = 'q-cust') = 8
                """, connection);
            if (await command.ExecuteScalarAsync() is true)
            {
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, "The rollups did not catch up within 30 s of the last write.");
            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task A_catch_up_of_more_than_ten_thousand_customers_gives_each_its_days_and_summary()
    {
        // 10,500 customers, more than a catch-up looks up by array: each buys i % 7 + 1 on
        // 2024-04-01 and 2 on 2024-04-02; every third also has 1 refunded on 2024-04-02.
        const int Customers = 10_500;
        var csv = new System.Text.StringBuilder("external_id,customer_external_id,occurred_at,type,amount,currency\n");
        decimal net = 0, repeatValue = 0;
        for (var i = 0; i < Customers; i++)
        {
            csv.Append(System.Globalization.CultureInfo.InvariantCulture, $"big-{i}-a,big-{i},2024-04-01T10:00:00Z,purchase,{i % 7 + 1},USD\n");
            csv.Append(System.Globalization.CultureInfo.InvariantCulture, $"big-{i}-b,big-{i},2024-04-02T10:00:00Z,purchase,2,USD\n");
            net += i % 7 + 1 + 2;
            repeatValue += 2;
            if (i % 3 == 0)
            {
                csv.Append(System.Globalization.CultureInfo.InvariantCulture, $"big-{i}-r,big-{i},2024-04-02T11:00:00Z,refund,1,USD\n");
                net -= 1;
                repeatValue -= 1;
            }
        }

        (await _client.PostCsvAsync(csv.ToString())).EnsureSuccessStatusCode();

        const string Big = "FROM customer_summaries s JOIN customers c ON c.id = s.customer_id WHERE c.external_id LIKE 'big-%'";
        Assert.Equal(Customers, await api.ScalarAsync<long>($"SELECT count(*) {Big}"));
        Assert.Equal(2L * Customers, await api.ScalarAsync<long>($"SELECT sum(purchase_days) {Big}"));
        Assert.Equal(net, await api.ScalarAsync<decimal>($"SELECT sum(net_revenue) {Big}"));
        Assert.Equal(repeatValue, await api.ScalarAsync<decimal>($"SELECT sum(repeat_days_value) {Big}"));
        Assert.Equal(2L * Customers, await api.ScalarAsync<long>(
            "SELECT count(*) FROM customer_days d JOIN customers c ON c.id = d.customer_id WHERE c.external_id LIKE 'big-%'"));
    }
}
