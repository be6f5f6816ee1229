using System.Net.Http.Json;
using System.Text.Json;
using Clv.Api.Tests.Infrastructure;
using static Clv.Api.Tests.Infrastructure.HttpAssertions;

namespace Clv.Api.Tests.Portfolio;

/// <summary>
/// CAC, CLV:CAC and payback of a tiny book counted by hand (docs/metrics.md, "Dashboard analytics"):
/// spend prorated across months, spend in euros, a channel with spend and no customer, a customer
/// without a channel.
/// </summary>
public sealed class CacAuditTests(ClvApiFactory api) : IClassFixture<ClvApiFactory>, IAsyncLifetime
{
    private readonly HttpClient _client = api.Client();

    // search 310 over 17 Jan..15 Feb (30 days): 15 days and 155 in each month.
    // tv 900 EUR over February at 1 February's 1.10: 990. radio 500 over January, and no customer.
    // s1 (search, 20 Jan) buys 100 at a cost of 40 on 20 Jan, 20 Feb and 10 Mar: 60 of gross profit each month.
    // s2 (search, 5 Feb) buys 200 at a cost of 50 on 5 Feb: 150. t1 (tv, 10 Feb) buys 300 on 10 Feb and 400 on
    // 10 Mar, no cost known: 300 and 400. u1 (no channel, 25 Jan) buys 50 on 25 Jan.
    public async Task InitializeAsync()
    {
        if (await api.ScalarAsync<long>("SELECT count(*) FROM customers") > 0)
        {
            return;
        }

        (await _client.PostAsJsonAsync("/api/v1/fx-rates", new { rates = new[] { new { date = "2024-02-01", currency = "EUR", rateToReporting = 1.10m } } })).EnsureSuccessStatusCode();
        (await _client.PostCustomersAsync(
            new { externalId = "s1", acquiredAt = "2024-01-20T12:00:00Z", acquisitionChannel = "search" },
            new { externalId = "s2", acquiredAt = "2024-02-05T12:00:00Z", acquisitionChannel = "search" },
            new { externalId = "t1", acquiredAt = "2024-02-10T12:00:00Z", acquisitionChannel = "tv" },
            new { externalId = "u1", acquiredAt = "2024-01-25T12:00:00Z" })).EnsureSuccessStatusCode();
        (await _client.PostTransactionsAsync(
            Tx("s1-1", "s1", "2024-01-20T12:00:00Z", amount: 100m, cost: 40m),
            Tx("s1-2", "s1", "2024-02-20T12:00:00Z", amount: 100m, cost: 40m),
            Tx("s1-3", "s1", "2024-03-10T12:00:00Z", amount: 100m, cost: 40m),
            Tx("s2-1", "s2", "2024-02-05T12:00:00Z", amount: 200m, cost: 50m),
            Tx("t1-1", "t1", "2024-02-10T12:00:00Z", amount: 300m),
            Tx("t1-2", "t1", "2024-03-10T12:00:00Z", amount: 400m),
            Tx("u1-1", "u1", "2024-01-25T12:00:00Z", amount: 50m))).EnsureSuccessStatusCode();
        (await _client.PostSpendAsync(
            new { channel = "search", periodStart = "2024-01-17", periodEnd = "2024-02-15", amount = 310m, currency = "USD" },
            new { channel = "tv", periodStart = "2024-02-01", periodEnd = "2024-02-29", amount = 900m, currency = "EUR" },
            new { channel = "radio", periodStart = "2024-01-01", periodEnd = "2024-01-31", amount = 500m, currency = "USD" })).EnsureSuccessStatusCode();
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private static (decimal? Spend, long New, decimal? Cac, decimal? ClvToCac, decimal? Payback) Figures(JsonElement s) =>
        (s.DecOrNull("spend"), s.Long("newCustomers"), s.DecOrNull("cac"), s.DecOrNull("clvToCac"), s.DecOrNull("paybackMonths"));

    private async Task<Dictionary<string, (decimal? Spend, long New, decimal? Cac, decimal? ClvToCac, decimal? Payback)>> SegmentsAsync(string query) =>
        (await (await _client.GetAsync("/api/v1/segments?by=acquisitionChannel&" + query)).JsonAsync())
            .GetProperty("segments").EnumerateArray().ToDictionary(s => s.GetProperty("key").GetString()!, Figures);

    // 31 March is a month's last day (the group rollup answers), 30 March not (every customer is read); nothing happens on either.
    [Theory]
    [InlineData("2024-03-31")]
    [InlineData("2024-03-30")]
    public async Task January_per_channel(string asOf)
    {
        var segments = await SegmentsAsync($"from=2024-01-01&to=2024-01-31&asOf={asOf}");

        // search: 155 ÷ s1 = 155; CLV:CAC 180 ÷ 155 = 1.16129; payback 60, 120, 180 ≥ 155: month 3.
        Assert.Equal((155m, 1L, 155m, 1.1613m, 3m), segments["search"]);
        Assert.Equal("good", (await (await _client.GetAsync($"/api/v1/segments?by=acquisitionChannel&from=2024-01-01&to=2024-01-31&asOf={asOf}")).JsonAsync())
            .GetProperty("segments").EnumerateArray().Single(s => s.GetProperty("key").GetString() == "search").GetProperty("health").GetProperty("payback").GetString());
        // radio: 500 and no customer: no CAC. tv: no spend row overlaps January, and no new customer.
        Assert.Equal((500m, 0L, null, null, null), segments["radio"]);
        Assert.Equal((0m, 0L, null, null, null), segments["tv"]);
        Assert.Equal(1L, segments["unattributed"].New);
        Assert.Null(segments["unattributed"].Cac);
    }

    [Theory]
    [InlineData("2024-03-31")]
    [InlineData("2024-03-30")]
    public async Task February_per_channel_with_spend_in_euros(string asOf)
    {
        var segments = await SegmentsAsync($"from=2024-02-01&to=2024-02-29&asOf={asOf}");

        // search: 155 ÷ s2; CLV:CAC 150 ÷ 155 = 0.967742; payback 150 in February, nothing in March: not reached.
        Assert.Equal((155m, 1L, 155m, 0.9677m, null), segments["search"]);
        // tv: 900 × 1.10 = 990 ÷ t1; CLV:CAC 700 ÷ 990 = 0.707070; 300, 700 < 990: not reached.
        Assert.Equal((990m, 1L, 990m, 0.7071m, null), segments["tv"]);
    }

    [Theory]
    [InlineData("2024-03-31")]
    [InlineData("2024-03-30")]
    public async Task Payback_over_two_months_counts_each_month_over_the_customers_who_have_reached_it(string asOf)
    {
        var segments = await SegmentsAsync($"from=2024-01-01&to=2024-02-29&asOf={asOf}");

        // search: 310 ÷ (s1, s2) = 155; CLV:CAC (180 + 150) ÷ 2 ÷ 155 = 1.064516.
        // Payback: month 1 (60 + 150) ÷ 2 = 105; month 2 (60 + 0) ÷ 2 = 30, 135; month 3 only s1 has begun it
        // (s2's is April): 60 ÷ 1, 195 ≥ 155: month 3.
        Assert.Equal((310m, 2L, 155m, 1.0645m, 3m), segments["search"]);
    }

    [Theory]
    [InlineData("2024-03-31")]
    [InlineData("2024-03-30")]
    public async Task Blended_cac_counts_every_channel_s_spend_and_every_new_customer(string asOf)
    {
        var jan = await (await _client.GetAsync($"/api/v1/metrics/summary?from=2024-01-01&to=2024-01-31&asOf={asOf}")).JsonAsync();

        // 155 + 500 = 655 over s1 and u1: 327.5; CLV:CAC (180 + 50) ÷ 2 ÷ 327.5 = 0.351145.
        // Payback: month 1 (60 + 50) ÷ 2 = 55, month 2 60 ÷ 2 = 30, month 3 60 ÷ 2 = 30: 115, not reached.
        Assert.Equal((655m, 2L, 327.5m, 0.3511m, null), (jan.DecOrNull("spend"), jan.Long("newCustomers"), jan.DecOrNull("blendedCac"), jan.DecOrNull("clvToCac"), jan.DecOrNull("paybackMonths")));
    }

    [Fact]
    public async Task Monthly_cac_per_channel_and_blended()
    {
        async Task<Dictionary<string, decimal?[]>> Series(string by) =>
            (await (await _client.GetAsync($"/api/v1/metrics/timeseries?metric=cac&from=2024-01-01&to=2024-03-31&asOf=2024-03-31{by}")).JsonAsync())
                .GetProperty("series").EnumerateArray().ToDictionary(
                    s => s.GetProperty("key").GetString()!,
                    s => s.GetProperty("points").EnumerateArray().Select(p => p.DecOrNull("value")).ToArray());

        // January 655 ÷ (s1, u1), February (155 + 990) ÷ (s2, t1) = 572.5, March no spend row.
        Assert.Equal([327.5m, 572.5m, null], (await Series(""))["all"]);
        var channels = await Series("&by=acquisitionChannel");
        Assert.Equal([155m, 155m, null], channels["search"]);
        Assert.Equal([null, 990m, null], channels["tv"]);
        Assert.False(channels.ContainsKey("radio")); // a channel with spend only is a series of metric=spend alone (docs/api.md)
    }

    [Fact]
    public async Task The_month_holding_asOf_counts_its_spend_up_to_asOf()
    {
        async Task<decimal?[]> Series(string metric) =>
            [.. Assert.Single((await (await _client.GetAsync($"/api/v1/metrics/timeseries?metric={metric}&from=2024-01-01&to=2024-02-29&asOf=2024-02-15")).JsonAsync())
                .GetProperty("series").EnumerateArray()).GetProperty("points").EnumerateArray().Select(p => p.DecOrNull("value"))];

        // 1..15 February: search 155 (its last 15 days) + tv 990 × 15 ÷ 29 = 512.068966: 667.0690; over s2 and t1: 333.5345.
        Assert.Equal([655m, 667.069m], await Series("spend"));
        Assert.Equal([327.5m, 333.5345m], await Series("cac"));
    }

    [Theory]
    [InlineData("2024-02-29")]
    [InlineData("2024-02-28")]
    public async Task As_of_a_past_day_gross_profit_and_payback_stop_at_it(string asOf)
    {
        var jan = await SegmentsAsync($"from=2024-01-01&to=2024-01-31&asOf={asOf}");
        var feb = await SegmentsAsync($"from=2024-02-01&to={asOf}&asOf={asOf}");

        // January's search: s1's 60 + 60 by then ÷ 155 = 0.774194; payback 60, 120 < 155: not reached.
        Assert.Equal((155m, 1L, 155m, 0.7742m, null), jan["search"]);
        // February's tv: 990 × (days of February to asOf) ÷ 29 over t1, whose 300 by then ÷ CAC.
        var days = int.Parse(asOf[^2..], System.Globalization.CultureInfo.InvariantCulture);
        var tv = Math.Round(990m * days / 29, 4, MidpointRounding.AwayFromZero);
        Assert.Equal((tv, 1L, tv, Math.Round(300m / (990m * days / 29), 4, MidpointRounding.AwayFromZero), null), feb["tv"]);
    }

    [Fact]
    public async Task Without_from_spend_and_new_customers_run_from_the_start_to_to()
    {
        var all = await (await _client.GetAsync("/api/v1/metrics/summary?to=2024-02-10&asOf=2024-02-10")).JsonAsync();

        // search 17 Jan..10 Feb, 25 of its 30 days: 310 × 25 ÷ 30 = 258.333333; tv 1..10 Feb: 990 × 10 ÷ 29 = 341.379310;
        // radio 500: 1,099.712644; over s1, u1, s2, t1: 274.928161.
        Assert.Equal((1099.7126m, 4L, 274.9282m), (all.DecOrNull("spend"), all.Long("newCustomers"), all.DecOrNull("blendedCac")));
    }

    [Theory]
    [InlineData("2025-07-31", null)]
    [InlineData("2025-07-30", null)]
    [InlineData("2025-08-31", "poor")]
    [InlineData("2025-08-30", "poor")]
    public async Task A_payback_not_reached_is_poor_once_more_than_18_months_are_observed(string asOf, string? health)
    {
        var search = (await (await _client.GetAsync($"/api/v1/segments?by=acquisitionChannel&from=2024-02-01&to=2024-02-29&asOf={asOf}")).JsonAsync())
            .GetProperty("segments").EnumerateArray().Single(s => s.GetProperty("key").GetString() == "search");

        // s2's 150 never reaches 155. February 2024 to July 2025 is 18 months (acceptable for SaaS: unknown yet), to August 19.
        // CLV:CAC 0.9677 is losing (below 1).
        Assert.Equal(JsonValueKind.Null, search.GetProperty("paybackMonths").ValueKind);
        Assert.Equal(health, search.GetProperty("health").GetProperty("payback").GetString());
        Assert.Equal("losing", search.GetProperty("health").GetProperty("clvToCac").GetString());
    }
}
