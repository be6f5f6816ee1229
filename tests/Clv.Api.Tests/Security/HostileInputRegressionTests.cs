using System.Net;
using System.Net.Http.Json;
using Clv.Api.Tests.Infrastructure;
using static Clv.Api.Tests.Infrastructure.HttpAssertions;

namespace Clv.Api.Tests.Security;

/// <summary>The 500s the fuzz tests found, each pinned down: now 4xx problem+json or a rejected item, and nothing stored.</summary>
public sealed class HostileInputRegressionTests(ClvApiFactory api) : IClassFixture<ClvApiFactory>
{
    [Fact]
    public async Task A_nul_character_in_a_transaction_id_rejects_the_item_naming_the_field()
    {
        var body = await (await api.Client().PostTransactionsAsync(Tx("a\0b", "nul-c"))).JsonAsync();

        Assert.Equal(1, body.Long("rejected"));
        Assert.Equal("externalId", body.GetProperty("errors")[0].GetProperty("field").GetString());
        Assert.Equal(0, await api.ScalarAsync<long>("SELECT count(*) FROM customers WHERE external_id = 'nul-c'"));
    }

    [Fact]
    public async Task A_nul_character_in_a_spend_channel_rejects_the_item()
    {
        var body = await (await api.Client().PostAsJsonAsync("/api/v1/acquisition-spend", new
        {
            spend = new[] { new { channel = "\0", periodStart = "2024-01-01", periodEnd = "2024-01-31", amount = 100m, currency = "USD" } },
        })).JsonAsync();

        Assert.Equal(1, body.Long("rejected"));
        Assert.Equal(0, await api.ScalarAsync<long>("SELECT count(*) FROM acquisition_spend"));
    }

    [Fact]
    public async Task A_nul_character_in_a_customer_attribute_rejects_the_item()
    {
        var body = await (await api.Client().PostAsJsonAsync("/api/v1/customers", new
        {
            customers = new[] { new { externalId = "nul-attr", attributes = new Dictionary<string, string> { ["tier"] = "go\0ld" } } },
        })).JsonAsync();

        Assert.Equal(1, body.Long("rejected"));
        Assert.Equal(0, await api.ScalarAsync<long>("SELECT count(*) FROM customers WHERE external_id = 'nul-attr'"));
    }

    [Fact]
    public async Task A_nul_character_in_an_api_key_name_is_400_problem()
    {
        await (await api.Client().PostAsJsonAsync("/api/v1/api-keys", new { name = "\0", scopes = new[] { "read" } })).ProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal(0, await api.ScalarAsync<long>("SELECT count(*) FROM api_keys"));
    }

    [Theory]
    [InlineData("/api/v1/customers?acquisitionChannel=a%00b")]
    [InlineData("/api/v1/customers?country=%00%00")]
    public async Task A_nul_character_in_a_query_filter_is_400_problem(string path)
    {
        await (await api.Client().GetAsync(path)).ProblemAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task A_nul_character_in_an_analytics_filter_matches_nothing()
    {
        // Its own customers, in channels "a" and "ab": a filter that cut the value at the NUL, or
        // dropped the NUL, would find one of them.
        (await api.Client().PostCustomersAsync(
            new { externalId = "nul-chan-a", acquiredAt = "2024-01-05T10:00:00Z", acquisitionChannel = "a" },
            new { externalId = "nul-chan-ab", acquiredAt = "2024-01-05T10:00:00Z", acquisitionChannel = "ab" })).EnsureSuccessStatusCode();
        (await api.Client().PostTransactionsAsync(
            Tx("nul-chan-1", "nul-chan-a", "2024-01-06T12:00:00Z"), Tx("nul-chan-2", "nul-chan-ab", "2024-01-06T12:00:00Z"))).EnsureSuccessStatusCode();
        foreach (var channel in new[] { "a", "ab" })
        {
            var cohorts = (await (await api.Client().GetAsync($"/api/v1/cohorts?channel={channel}&asOf=2024-02-29")).JsonAsync()).GetProperty("cohorts");
            Assert.Equal(1, Assert.Single(cohorts.EnumerateArray()).GetProperty("size").GetInt32());
        }

        var body = await (await api.Client().GetAsync("/api/v1/cohorts?channel=a%00b&asOf=2024-02-29")).JsonAsync();

        Assert.Equal(0, body.GetProperty("cohorts").GetArrayLength());
    }

    [Theory]
    [InlineData("/api/v1/metrics/summary?asOf=9999-12-31")]
    [InlineData("/api/v1/metrics/summary?asOf=1969-12-31")]
    [InlineData("/api/v1/customers/anyone?asOf=9999-12-31")]
    [InlineData("/api/v1/cohorts?asOf=9999-12-31")]
    [InlineData("/api/v1/cohorts?asOf=2999-01-01")]
    [InlineData("/api/v1/cohorts?from=0001-01-01")]
    [InlineData("/api/v1/cohorts?to=9999-12-31")]
    public async Task A_day_before_1970_or_beyond_what_a_timestamp_holds_is_400_problem(string path)
    {
        await (await api.Client().GetAsync(path)).ProblemAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task A_series_that_ends_before_any_activity_is_one_empty_period()
    {
        (await api.Client().PostTransactionsAsync(Tx("early-1", "early-c"))).EnsureSuccessStatusCode();

        // Found by the fuzzing: without from, the series started at the first activity, after to.
        var series = await (await api.Client().GetAsync("/api/v1/metrics/timeseries?metric=churnRate&to=1970-01-01&asOf=2024-06-30")).JsonAsync();

        var points = series.GetProperty("series")[0].GetProperty("points");
        Assert.Equal(1, points.GetArrayLength());
        Assert.Equal("1970-01", points[0].GetProperty("period").GetString());
    }

    [Fact]
    public async Task Amounts_that_add_up_beyond_ten_to_the_fifteen_for_one_customer_are_stored_and_summed_exactly()
    {
        var response = await api.Client().PostTransactionsAsync(
            Tx("big-1", "big-c", amount: 999_999_999_999_999m), Tx("big-2", "big-c", amount: 999_999_999_999_999m));
        response.EnsureSuccessStatusCode();

        var customer = await (await api.Client().GetAsync("/api/v1/customers/big-c")).JsonAsync();

        // 999,999,999,999,999 × 2 = 1,999,999,999,999,998: beyond one amount's limit, within the sums'.
        Assert.Equal(1_999_999_999_999_998m, customer.GetProperty("historical").GetProperty("netRevenue").GetDecimal());
    }

    [Fact]
    public async Task A_page_far_beyond_the_end_is_an_empty_page()
    {
        (await api.Client().PostTransactionsAsync(Tx("page-1", "page-c"))).EnsureSuccessStatusCode();

        var page = await (await api.Client().GetAsync("/api/v1/customers?page=2147483647&pageSize=1000")).JsonAsync();

        Assert.Empty(page.GetProperty("items").EnumerateArray());
    }
}
