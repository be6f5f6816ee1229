using Clv.Api.Tests.Infrastructure;
using static Clv.Api.Tests.Infrastructure.HttpAssertions;

namespace Clv.Api.Tests.Customers;

/// <summary>Purchase days follow the reporting time zone, in the database rollup as in the per-customer calculation.</summary>
public sealed class TimeZoneTests : IClassFixture<TimeZoneTests.NewYorkApi>
{
    private readonly NewYorkApi _api;
    private readonly HttpClient _client;

    public TimeZoneTests(NewYorkApi api)
    {
        _api = api;
        _client = api.Client();
    }

    public sealed class NewYorkApi : IAsyncLifetime
    {
        public ClvApiFactory Factory { get; } = new ClvApiFactory().With("Clv:ReportingTimeZone", "America/New_York");

        public HttpClient Client() => Factory.Client();

        public Task InitializeAsync() => Factory.InitializeAsync();

        public Task DisposeAsync() => ((IAsyncLifetime)Factory).DisposeAsync();
    }

    [Fact]
    public async Task Purchases_either_side_of_utc_midnight_are_one_new_york_day()
    {
        // 2024-01-10T23:30Z and 2024-01-11T03:00Z are 18:30 and 22:00 on 2024-01-10 in New York (UTC-5).
        (await _client.PostTransactionsAsync(
            Tx("tz-1", "tz-cust", "2024-01-10T23:30:00Z"),
            Tx("tz-2", "tz-cust", "2024-01-11T03:00:00Z"),
            Tx("tz-3", "tz-cust", "2024-01-11T05:30:00Z"))).EnsureSuccessStatusCode();

        var h = (await (await _client.GetAsync("/api/v1/customers/tz-cust")).JsonAsync()).GetProperty("historical");
        var asOf = (await (await _client.GetAsync("/api/v1/customers/tz-cust?asOf=2024-01-10")).JsonAsync()).GetProperty("historical");

        Assert.Equal(2, h.Long("purchaseDays")); // 01-10 and 01-11 (05:30Z is 00:30 on the 11th)
        Assert.Equal(2, await _api.Factory.ScalarAsync<long>("SELECT count(*) FROM customer_days"));
        Assert.Equal(2, asOf.Long("purchaseCount")); // the end of 2024-01-10 in New York is 2024-01-11T05:00Z
    }
}

/// <summary>Changing the reporting time zone rebuilds the day rollup at the next start.</summary>
public sealed class TimeZoneChangeTests(ClvApiFactory utc) : IClassFixture<ClvApiFactory>
{
    [Fact]
    public async Task Restarting_with_another_time_zone_rebuilds_purchase_days()
    {
        // 2024-01-10T23:30Z and 2024-01-11T03:00Z: two days in UTC, one (2024-01-10) in New York.
        (await utc.Client().PostTransactionsAsync(
            Tx("tzc-1", "tzc-cust", "2024-01-10T23:30:00Z"),
            Tx("tzc-2", "tzc-cust", "2024-01-11T03:00:00Z"))).EnsureSuccessStatusCode();
        const string PurchaseDays = "SELECT purchase_days FROM customer_summaries s JOIN customers c ON c.id = s.customer_id WHERE c.external_id = 'tzc-cust'";
        Assert.Equal(2, await utc.ScalarAsync<int>(PurchaseDays));

        await using var newYork = new ClvApiFactory().OnDatabaseOf(utc).With("Clv:ReportingTimeZone", "America/New_York");
        await newYork.InitializeAsync();
        var list = await (await newYork.Client().GetAsync("/api/v1/customers?sort=historicalClv")).JsonAsync();

        Assert.Equal(1, list.GetProperty("items")[0].GetProperty("historical").GetProperty("purchaseDays").GetInt32());
        Assert.Equal(1, await utc.ScalarAsync<int>(PurchaseDays));
        Assert.Equal("2024-01-10", await utc.ScalarAsync<string>("SELECT day::text FROM customer_days"));
    }

}

/// <summary>The rebuild works in chunks of customers and resumes where it stopped.</summary>
public sealed class TimeZoneRebuildTests(ClvApiFactory utc) : IClassFixture<ClvApiFactory>
{
    [Fact]
    public async Task A_rebuild_of_more_customers_than_one_chunk_rebuilds_each_and_a_rebuild_cut_short_resumes_after_its_last_chunk()
    {
        // More customers than one chunk, each with purchases at 23:30Z and 03:00Z: two UTC days,
        // one New York day.
        var customers = Clv.Data.Rollups.RollupRebuilder.ChunkCustomers + 50;
        var csv = new System.Text.StringBuilder("external_id,customer_external_id,occurred_at,type,amount,currency\n");
        for (var i = 0; i < customers; i++)
        {
            csv.Append(System.Globalization.CultureInfo.InvariantCulture, $"tzr-{i}-a,tzr-{i},2024-02-10T23:30:00Z,purchase,5,USD\n");
            csv.Append(System.Globalization.CultureInfo.InvariantCulture, $"tzr-{i}-b,tzr-{i},2024-02-11T03:00:00Z,purchase,5,USD\n");
        }

        (await utc.Client().PostCsvAsync(csv.ToString())).EnsureSuccessStatusCode();
        const string Days = "SELECT sum(purchase_days) FROM customer_summaries s JOIN customer_keys k ON k.customer_id = s.customer_id WHERE k.external_id LIKE 'tzr-%'";
        Assert.Equal(2L * customers, await utc.ScalarAsync<long>(Days));

        // A rebuild to New York that stopped after the chunk ending at the first of these customers:
        // the next start goes on from there, so that customer keeps the days the test left it.
        var first = await utc.ScalarAsync<long>("SELECT min(customer_id) FROM customer_keys WHERE external_id LIKE 'tzr-%'");
        await utc.ScalarAsync<int>($"WITH s AS (UPDATE rollup_state SET rebuilding_to = 'America/New_York', rebuilt_through = {first} RETURNING 1) SELECT count(*) FROM s");
        await using var newYork = new ClvApiFactory().OnDatabaseOf(utc).With("Clv:ReportingTimeZone", "America/New_York");
        await newYork.InitializeAsync();
        (await newYork.Client().GetAsync("/api/v1/customers?pageSize=1")).EnsureSuccessStatusCode();

        Assert.Equal(customers + 1L, await utc.ScalarAsync<long>(Days));
        Assert.Equal(2, await utc.ScalarAsync<int>($"SELECT purchase_days FROM customer_summaries WHERE customer_id = {first}"));
        Assert.Equal("America/New_York", await utc.ScalarAsync<string>("SELECT time_zone || coalesce(rebuilding_to, '') FROM rollup_state"));
    }
}
