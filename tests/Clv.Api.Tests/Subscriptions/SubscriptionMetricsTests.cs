using System.Text.Json;
using Clv.Api.Tests.Infrastructure;

namespace Clv.Api.Tests.Subscriptions;

/// <summary>The subscription metrics of the time series and the plan grouping, counted by hand from four subscriptions.</summary>
public sealed class SubscriptionMetricsTests(ClvApiFactory api) : IClassFixture<ClvApiFactory>, IAsyncLifetime
{
    private readonly HttpClient _client = api.Client();

    // A: pro monthly 30 from 10 Jan, team yearly 1,200 from 15 Feb to 20 Mar; B: pro monthly 20 from 5 Dec 2023 to
    // 5 Feb; C: basic monthly 10 from 1 Mar.
    public async Task InitializeAsync() =>
        (await SubscriptionIngestionTests.PostSubscriptionsAsync(_client,
            SubscriptionIngestionTests.Sub("m-s1", "m-a", plan: "pro", startedAt: "2024-01-10T12:00:00Z", amount: 30m),
            SubscriptionIngestionTests.Sub("m-s2", "m-a", plan: "team", startedAt: "2024-02-15T12:00:00Z", endedAt: "2024-03-20T12:00:00Z", billingPeriod: "year", amount: 1200m),
            SubscriptionIngestionTests.Sub("m-s3", "m-b", plan: "pro", startedAt: "2023-12-05T12:00:00Z", endedAt: "2024-02-05T12:00:00Z", amount: 20m),
            SubscriptionIngestionTests.Sub("m-s4", "m-c", plan: "basic", startedAt: "2024-03-01T12:00:00Z", amount: 10m))).EnsureSuccessStatusCode();

    public Task DisposeAsync() => Task.CompletedTask;

    private async Task<Dictionary<string, decimal?[]>> SeriesAsync(string metric, string by = "", string asOf = "2024-03-31")
    {
        var body = await (await _client.GetAsync($"/api/v1/metrics/timeseries?metric={metric}&from=2024-01-01&to=2024-03-31&asOf={asOf}{by}")).JsonAsync();
        return body.GetProperty("series").EnumerateArray().ToDictionary(
            s => s.GetProperty("key").GetString()!,
            s => s.GetProperty("points").EnumerateArray().Select(p => p.GetProperty("value").ValueKind == JsonValueKind.Null ? (decimal?)null : p.Dec("value")).ToArray());
    }

    [Fact]
    public async Task Mrr_counts_the_subscriptions_active_at_each_month_s_end_a_yearly_amount_as_a_twelfth()
    {
        // 31 Jan: s1 30 + s3 20. 29 Feb: s1 30 + s2 1,200/12 (s3 ended 5 Feb). 31 Mar: s1 30 + s4 10 (s2 ended 20 Mar).
        Assert.Equal([50m, 130m, 40m], (await SeriesAsync("mrr"))["all"]);
    }

    [Fact]
    public async Task Active_new_and_cancelled_subscriptions_per_month()
    {
        Assert.Equal([2m, 2m, 2m], (await SeriesAsync("activeSubscriptions"))["all"]);
        Assert.Equal([1m, 1m, 1m], (await SeriesAsync("newSubscriptions"))["all"]);
        Assert.Equal([0m, 1m, 1m], (await SeriesAsync("cancelledSubscriptions"))["all"]);
    }

    [Fact]
    public async Task Subscription_churn_rate_is_cancelled_in_the_month_over_active_at_its_start()
    {
        // 1 Jan: s3 active, none cancelled in January. 1 Feb: s1, s3; s3 cancelled. 1 Mar: s1, s2 (s4 starts that day); s2 cancelled.
        Assert.Equal([0m, 0.5m, 0.5m], (await SeriesAsync("subscriptionChurnRate"))["all"]);
    }

    [Fact]
    public async Task By_plan_a_customer_counts_under_the_plan_of_their_latest_started_subscription()
    {
        var mrr = await SeriesAsync("mrr", "&by=plan");

        // A's latest is team (15 Feb): s1 and s2 count there. B is pro, C basic.
        Assert.Equal(["basic", "pro", "team"], mrr.Keys);
        Assert.Equal([30m, 130m, 30m], mrr["team"]);
        Assert.Equal([20m, 0m, 0m], mrr["pro"]);
        Assert.Equal([0m, 0m, 10m], mrr["basic"]);
    }

    [Fact]
    public async Task By_plan_as_of_an_earlier_day_takes_the_plans_started_by_then()
    {
        // As of 31 January A's latest subscription is s1 (pro), and C, whose only subscription
        // starts on 1 March, is not a customer yet: acquired at that start (docs/metrics.md), C is
        // not in the group of customers without a subscription ("none") either.
        var active = await SeriesAsync("activeSubscriptions", "&by=plan", asOf: "2024-01-31");

        Assert.Equal(["pro"], active.Keys);
        Assert.Equal(2m, active["pro"][0]);
    }

    private async Task<Dictionary<string, JsonElement>> SegmentsAsync(string query) =>
        (await (await _client.GetAsync("/api/v1/segments?asOf=2024-03-31" + query)).JsonAsync())
            .GetProperty("segments").EnumerateArray().ToDictionary(s => s.GetProperty("key").GetString()!, s => s);

    private static (decimal Mrr, long Active, long New, long Cancelled, decimal? ChurnRate) Figures(JsonElement segment) => (
        segment.Dec("mrr"),
        segment.Long("activeSubscriptions"),
        segment.Long("newSubscriptions"),
        segment.Long("cancelledSubscriptions"),
        segment.DecOrNull("subscriptionChurnRate"));

    [Fact]
    public async Task Segments_by_plan_give_mrr_and_active_at_asOf_new_and_cancelled_in_range_and_churn_of_the_last_complete_month()
    {
        var segments = await SegmentsAsync("&by=plan");

        // team (A): s1 active, s2 started and ended; in March s1 and s2 active on the 1st, s2 ended. pro (B): s3
        // started and ended, none active on 1 March. basic (C): s4 active, started on 1 March itself.
        Assert.Equal((30m, 1L, 2L, 1L, 0.5m), Figures(segments["team"]));
        Assert.Equal((0m, 0L, 1L, 1L, (decimal?)null), Figures(segments["pro"]));
        Assert.Equal((10m, 1L, 1L, 0L, (decimal?)null), Figures(segments["basic"]));
    }

    [Fact]
    public async Task Segments_by_an_existing_grouping_count_new_and_cancelled_subscriptions_from_from()
    {
        // Everyone is unattributed. From 1 February: s2 and s4 started, s3 (5 Feb) and s2 (20 Mar) ended.
        var segments = await SegmentsAsync("&by=acquisitionChannel&from=2024-02-01");

        Assert.Equal((40m, 2L, 2L, 2L, 0.5m), Figures(segments["unattributed"]));
    }

    [Fact]
    public async Task Segments_by_clv_tier_and_by_rfm_segment_each_count_every_subscription_once()
    {
        // Tiers and RFM segments are computed as one question (GroupSpec.TiersAndRfm), each customer
        // once in each grouping. Nobody has bought: one RFM segment holds all four subscriptions,
        // and the tiers (one customer each) split them. All time: four started, s3 and s2 ended.
        var rfm = await SegmentsAsync("&by=rfmSegment");
        var tiers = await SegmentsAsync("&by=clvTier");

        Assert.Equal((40m, 2L, 4L, 2L, 0.5m), Figures(Assert.Single(rfm.Values)));
        Assert.Equal(3, tiers.Values.Count(t => t.Long("customers") == 1));
        var figures = tiers.Values.Select(Figures).ToList();
        Assert.Equal((40m, 2L, 4L, 2L), (figures.Sum(f => f.Mrr), figures.Sum(f => f.Active), figures.Sum(f => f.New), figures.Sum(f => f.Cancelled)));
    }
}
