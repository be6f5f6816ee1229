using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Clv.Api.Tests.Idempotency;
using Clv.Api.Tests.Infrastructure;
using Clv.Api.Tests.ModelRuns;
using Clv.Data.Customers;
using Npgsql;
using static Clv.Api.Tests.Infrastructure.HttpAssertions;

namespace Clv.Api.Tests.Customers;

/// <summary>
/// The right to erasure on the CDNOW sample (2,357 customers with purchases) plus customer E, worked by hand:
/// E acquired 1996-06-15 (channel erasure-test, the only customer of that month and channel) buys 100 on
/// 1997-02-01, buys 50 and refunds 20 on 1997-03-10: 3 transactions on 2 days, net revenue 130, a repeat
/// customer. A model run predicts every customer with a purchase, E included. Then E is erased.
/// </summary>
public sealed class ErasureTests(ErasureTests.ErasedBook book) : IClassFixture<ErasureTests.ErasedBook>
{
    private const string E = "erase-me-7f3a";

    public sealed class ErasedBook : IAsyncLifetime
    {
        public ClvApiFactory Factory { get; } = new();

        public long InternalId { get; private set; }

        public JsonElement Erased { get; private set; }

        public JsonElement SummaryBefore { get; private set; }

        public JsonElement SummaryAfter { get; private set; }

        public JsonElement CohortsBefore { get; private set; }

        public JsonElement CohortsAfter { get; private set; }

        public JsonElement ListBefore { get; private set; }

        public JsonElement ListAfter { get; private set; }

        public JsonElement RunBefore { get; private set; }

        public JsonElement RunAfter { get; private set; }

        public List<string> TablesChecked { get; } = [];

        public List<string> TablesStillHolding { get; } = [];

        public async Task InitializeAsync()
        {
            await Factory.InitializeAsync();
            var client = Factory.Client();
            (await client.PostCsvAsync(CdnowSample.Csv())).EnsureSuccessStatusCode();
            (await client.PostAsJsonAsync("/api/v1/customers", new
            {
                customers = new[] { new { externalId = E, acquiredAt = "1996-06-15T10:00:00Z", acquisitionChannel = "erasure-test" } },
            })).EnsureSuccessStatusCode();
            (await client.PostTransactionsAsync(
                Tx(E + "-tx1", E, "1997-02-01T12:00:00Z", amount: 100m),
                Tx(E + "-tx2", E, "1997-03-10T12:00:00Z", amount: 50m),
                Tx(E + "-tx3", E, "1997-03-10T15:00:00Z", type: "refund", amount: 20m))).EnsureSuccessStatusCode();
            var run = new { asOf = "1998-06-30", timeUnit = "weeks" };
            RunBefore = await ModelRunTests.StartAndWaitAsync(client, run);
            InternalId = await Factory.ScalarAsync<long>($"SELECT id FROM customers WHERE external_id = '{E}'");

            (SummaryBefore, CohortsBefore, ListBefore) = await AggregatesAsync(client);
            Erased = await (await client.DeleteAsync($"/api/v1/customers/{E}")).JsonAsync();
            await FindLeftoversAsync();
            (SummaryAfter, CohortsAfter, ListAfter) = await AggregatesAsync(client);
            RunAfter = await ModelRunTests.StartAndWaitAsync(client, run);
        }

        // Every table, partitions included, so that a table added later is checked too; read before
        // the second run, which drops the first run's partition anyway.
        private async Task FindLeftoversAsync()
        {
            await using var connection = new NpgsqlConnection(Factory.ConnectionString);
            await connection.OpenAsync();
            var tables = await StoredData.TablesAsync(connection, partitions: true);
            foreach (var (name, hasCustomerId) in tables)
            {
                TablesChecked.Add(name);
                var condition = $"t::text LIKE '%{E}%'" + (hasCustomerId ? $" OR t.customer_id = {InternalId}" : "");
                await using var count = new NpgsqlCommand($"SELECT count(*) FROM \"{name}\" t WHERE {condition}", connection);
                if ((long)(await count.ExecuteScalarAsync())! > 0)
                {
                    TablesStillHolding.Add(name);
                }
            }
        }

        private static async Task<(JsonElement, JsonElement, JsonElement)> AggregatesAsync(HttpClient client) => (
            await (await client.GetAsync("/api/v1/metrics/summary")).JsonAsync(),
            await (await client.GetAsync("/api/v1/cohorts?from=1996-01-01&to=1996-12-31&asOf=1998-06-30")).JsonAsync(),
            await (await client.GetAsync("/api/v1/customers?acquisitionChannel=erasure-test")).JsonAsync());

        public Task DisposeAsync() => ((IAsyncLifetime)Factory).DisposeAsync();
    }

    [Fact]
    public void The_response_states_what_was_removed()
    {
        Assert.Equal("succeeded", book.RunBefore.GetProperty("status").GetString());
        Assert.Equal(E, book.Erased.GetProperty("externalId").GetString());
        Assert.Equal(1, book.Erased.Long("customer"));
        Assert.Equal(3, book.Erased.Long("transactions"));
        Assert.Equal(2, book.Erased.Long("purchaseDays"));
        Assert.Equal(1, book.Erased.Long("predictions"));
    }

    [Fact]
    public void No_table_keeps_a_row_keyed_by_the_customer_or_naming_them()
    {
        Assert.Contains(book.TablesChecked, t => t.StartsWith("customer_predictions_", StringComparison.Ordinal));
        Assert.Empty(book.TablesStillHolding);
    }

    [Fact]
    public async Task The_customer_is_gone()
    {
        await (await book.Factory.Client().GetAsync($"/api/v1/customers/{E}")).ProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public void The_portfolio_summary_no_longer_counts_the_customer()
    {
        Assert.Equal(book.SummaryBefore.Long("customers") - 1, book.SummaryAfter.Long("customers"));
        Assert.Equal(book.SummaryBefore.Long("repeatCustomers") - 1, book.SummaryAfter.Long("repeatCustomers"));
        Assert.Equal(book.SummaryBefore.Dec("netRevenue") - 130m, book.SummaryAfter.Dec("netRevenue"));
    }

    [Fact]
    public void The_customers_cohort_disappears()
    {
        var before = book.CohortsBefore.GetProperty("cohorts").EnumerateArray().ToList();
        Assert.Equal("1996-06", Assert.Single(before).GetProperty("cohort").GetString());
        Assert.Equal(1, before[0].GetProperty("size").GetInt32());
        Assert.Empty(book.CohortsAfter.GetProperty("cohorts").EnumerateArray());
    }

    [Fact]
    public void The_customer_list_no_longer_shows_the_customer()
    {
        Assert.Equal(E, Assert.Single(book.ListBefore.GetProperty("items").EnumerateArray()).GetProperty("externalId").GetString());
        Assert.Empty(book.ListAfter.GetProperty("items").EnumerateArray());
    }

    [Fact]
    public void Later_model_runs_do_not_count_the_customer()
    {
        Assert.Equal(2_357 + 1, book.RunBefore.GetProperty("customers").GetInt32());
        Assert.Equal("succeeded", book.RunAfter.GetProperty("status").GetString());
        Assert.Equal(2_357, book.RunAfter.GetProperty("customers").GetInt32());
    }

    [Fact]
    public async Task Ids_sent_again_after_erasure_are_stored_as_new_data()
    {
        var client = book.Factory.Client();
        (await client.PostTransactionsAsync(Tx("again-tx1", "again", amount: 40m))).EnsureSuccessStatusCode();
        Assert.Equal(1, (await (await client.DeleteAsync("/api/v1/customers/again")).JsonAsync()).Long("transactions"));

        var resent = await (await client.PostTransactionsAsync(Tx("again-tx1", "again", amount: 40m))).JsonAsync();

        Assert.Equal(1, resent.Long("inserted"));
        Assert.Equal(40m, (await (await client.GetAsync("/api/v1/customers/again")).JsonAsync()).GetProperty("historical").Dec("netRevenue"));
    }

    [Fact]
    public async Task A_resend_with_a_new_idempotency_key_after_erasure_is_stored_as_new_data()
    {
        var client = book.Factory.Client();
        (await SendWithKeyAsync(client, IdempotencyTests.NewKey(), "again-new-key")).EnsureSuccessStatusCode();
        (await client.DeleteAsync("/api/v1/customers/again-new-key")).EnsureSuccessStatusCode();

        var resent = await SendWithKeyAsync(client, IdempotencyTests.NewKey(), "again-new-key");

        Assert.Equal(1, (await resent.JsonAsync()).Long("inserted"));
        Assert.Equal(40m, (await (await client.GetAsync("/api/v1/customers/again-new-key")).JsonAsync()).GetProperty("historical").Dec("netRevenue"));
    }

    [Fact]
    public async Task A_resend_with_the_same_idempotency_key_after_erasure_replays_and_stores_nothing()
    {
        // As Stripe does: within its retention a key answers what it answered, whatever happened since.
        var client = book.Factory.Client();
        var key = IdempotencyTests.NewKey();
        var first = await SendWithKeyAsync(client, key, "again-same-key");
        var firstBody = await first.Content.ReadAsStringAsync();
        (await client.DeleteAsync("/api/v1/customers/again-same-key")).EnsureSuccessStatusCode();

        var resent = await SendWithKeyAsync(client, key, "again-same-key");

        Assert.Equal("true", resent.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.Equal(firstBody, await resent.Content.ReadAsStringAsync());
        await (await client.GetAsync("/api/v1/customers/again-same-key")).ProblemAsync(HttpStatusCode.NotFound);
        Assert.Equal(0, await book.Factory.ScalarAsync<long>("SELECT count(*) FROM transactions WHERE external_id = 'again-same-key-tx1'"));
    }

    [Fact]
    public async Task An_unknown_customer_is_404_problem_and_changes_nothing()
    {
        var before = await book.Factory.ScalarAsync<long>("SELECT count(*) FROM customers");

        await (await book.Factory.Client().DeleteAsync("/api/v1/customers/nobody-by-this-id")).ProblemAsync(HttpStatusCode.NotFound);

        Assert.Equal(before, await book.Factory.ScalarAsync<long>("SELECT count(*) FROM customers"));
    }

    [Fact]
    public async Task An_erasure_waits_for_writers_in_flight_and_gives_up_with_503_problem()
    {
        // A writer's transaction in flight holds the erasure lock's shared side (CustomerErasure.ShareAsync).
        await using var writer = new NpgsqlConnection(book.Factory.ConnectionString);
        await writer.OpenAsync();
        await using var transaction = await writer.BeginTransactionAsync();
        await using (var share = new NpgsqlCommand($"SELECT pg_advisory_xact_lock_shared({CustomerErasure.LockKey})", writer, transaction))
        {
            await share.ExecuteNonQueryAsync();
        }

        var response = await book.Factory.Client().DeleteAsync("/api/v1/customers/cdnow-0004");

        await response.ProblemAsync(HttpStatusCode.ServiceUnavailable);
        Assert.Equal(1, await book.Factory.ScalarAsync<long>("SELECT count(*) FROM customers WHERE external_id = 'cdnow-0004'"));
    }

    [Theory]
    [InlineData("read")]
    [InlineData("ingest")]
    public async Task Only_an_admin_key_may_erase(string scope)
    {
        var key = (await (await book.Factory.Client().PostAsJsonAsync("/api/v1/api-keys", new { name = scope, scopes = new[] { scope } }))
            .JsonAsync(HttpStatusCode.Created)).GetProperty("key").GetString();

        await (await book.Factory.Client(key).DeleteAsync("/api/v1/customers/cdnow-0001")).ProblemAsync(HttpStatusCode.Forbidden);

        Assert.Equal(1, await book.Factory.ScalarAsync<long>("SELECT count(*) FROM customers WHERE external_id = 'cdnow-0001'"));
    }

    // One transaction of 40 for CUSTOMER, id CUSTOMER-tx1, sent with the given Idempotency-Key.
    private static Task<HttpResponseMessage> SendWithKeyAsync(HttpClient client, string key, string customer) =>
        IdempotencyTests.SendAsync(client, key, new IdempotencyTests.Req("/api/v1/transactions",
            JsonSerializer.Serialize(new { transactions = new[] { Tx(customer + "-tx1", customer, amount: 40m) } }), "application/json"));
}
