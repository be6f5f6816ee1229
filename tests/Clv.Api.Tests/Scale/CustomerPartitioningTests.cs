using System.Net.Http.Json;
using Clv.Api.Tests.Infrastructure;
using static Clv.Api.Tests.Infrastructure.HttpAssertions;

namespace Clv.Api.Tests.Scale;

/// <summary>
/// With <c>Database:CustomerPartitions</c>, the customer-keyed tables are hash-partitioned by
/// customer id, the shape Citus distributes them in (docs/scale-out.md), and every write path
/// keeps working: PostgreSQL refuses any key or conflict target without the customer id there.
/// </summary>
public sealed class CustomerPartitioningTests : IClassFixture<CustomerPartitioningTests.PartitionedApi>
{
    private readonly PartitionedApi _api;
    private readonly HttpClient _client;

    public CustomerPartitioningTests(PartitionedApi api)
    {
        _api = api;
        _client = api.Factory.Client();
    }

    public sealed class PartitionedApi() : ConfiguredApi(api => api.With("Database:CustomerPartitions", "4"));

    [Fact]
    public async Task Every_customer_keyed_table_is_split_into_four_hash_partitions_by_customer()
    {
        // The fixture's first client started the service, which partitioned the tables.
        foreach (var (table, key) in new[] { ("customers", "id"), ("transactions", "customer_id"), ("customer_days", "customer_id"), ("customer_summaries", "customer_id"), ("feedback", "customer_id"), ("subscriptions", "customer_id") })
        {
            Assert.Equal($"HASH ({key})", await _api.Factory.ScalarAsync<string>($"SELECT pg_get_partkeydef('{table}'::regclass)"));
            Assert.Equal(4L, await _api.Factory.ScalarAsync<long>($"SELECT count(*) FROM pg_inherits WHERE inhparent = '{table}'::regclass"));
        }
    }

    [Fact]
    public async Task Ingest_resends_profiles_and_erasure_work_on_the_partitioned_tables()
    {
        // Forty customers spread over the partitions; a resend is a duplicate even under another
        // customer; a profile of a known customer updates it; an erasure removes one customer's rows.
        var rows = Enumerable.Range(0, 40).Select(i => Tx($"pt-{i}", $"pc-{i}", amount: i + 1)).ToArray();
        (await _client.PostTransactionsAsync(rows)).EnsureSuccessStatusCode();
        var resent = await (await _client.PostTransactionsAsync(Tx("pt-0", "pc-other", amount: 99m))).JsonAsync();
        Assert.Equal(1L, resent.Long("duplicates"));
        (await _client.PostCustomersAsync(new { externalId = "pc-1", acquisitionChannel = "search" })).EnsureSuccessStatusCode();
        (await _client.PostAsJsonAsync("/api/v1/feedback", new { feedback = new[] { new { externalId = "pf-2", customerExternalId = "pc-2", answeredAt = "2024-01-10T12:00:00Z", kind = "nps", score = 9 } } }))
            .EnsureSuccessStatusCode();
        // A subscription upserts on the partitioned table: the same post again changes nothing.
        var subscription = new { externalId = "ps-2", customerExternalId = "pc-2", plan = "pro", startedAt = "2024-01-01T00:00:00Z", billingPeriod = "month", amount = 10m, currency = "USD" };
        (await _client.PostAsJsonAsync("/api/v1/subscriptions", new { subscriptions = new[] { subscription } })).EnsureSuccessStatusCode();
        var again = await (await _client.PostAsJsonAsync("/api/v1/subscriptions", new { subscriptions = new[] { subscription } })).JsonAsync();
        Assert.Equal(1L, again.Long("unchanged"));
        (await _client.DeleteAsync("/api/v1/customers/pc-2")).EnsureSuccessStatusCode();

        Assert.Equal(39L, await _api.Factory.ScalarAsync<long>("SELECT count(*) FROM transactions WHERE external_id LIKE 'pt-%'"));
        Assert.Equal(39L, await _api.Factory.ScalarAsync<long>("SELECT count(*) FROM transaction_keys WHERE external_id LIKE 'pt-%'"));
        Assert.Equal(0L, await _api.Factory.ScalarAsync<long>("SELECT count(*) FROM feedback WHERE external_id = 'pf-2'"));
        Assert.Equal(0L, await _api.Factory.ScalarAsync<long>("SELECT count(*) FROM subscriptions WHERE external_id = 'ps-2'"));
        Assert.Equal(0L, await _api.Factory.ScalarAsync<long>("SELECT count(*) FROM subscription_keys WHERE external_id = 'ps-2'"));
        Assert.Equal(4L, await _api.Factory.ScalarAsync<long>(
            "SELECT count(DISTINCT s.tableoid) FROM customer_summaries s JOIN customer_keys k ON k.customer_id = s.customer_id WHERE k.external_id LIKE 'pc-%'"));
        var customer = await (await _client.GetAsync("/api/v1/customers/pc-1")).JsonAsync();
        Assert.Equal("search", customer.GetProperty("acquisitionChannel").GetString());
        Assert.Equal(2m, customer.GetProperty("historical").Dec("netRevenue"));
    }
}
