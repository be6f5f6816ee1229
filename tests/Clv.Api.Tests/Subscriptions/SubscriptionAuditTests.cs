using System.Net.Http.Json;
using System.Text.Json;
using Clv.Api.Tests.Infrastructure;
using static Clv.Api.Tests.Subscriptions.SubscriptionIngestionTests;

namespace Clv.Api.Tests.Subscriptions;

/// <summary>
/// A tiny book of subscriptions counted by hand in New York days (docs/metrics.md, "Subscriptions"):
/// a start and an end either side of UTC midnight, a euro subscription, an upgrade to a yearly plan,
/// a free trial followed by a paid plan and a reactivation under a new id.
/// </summary>
public sealed class SubscriptionAuditTests : IClassFixture<SubscriptionAuditTests.SubscriptionBook>
{
    private readonly HttpClient _client;

    public SubscriptionAuditTests(SubscriptionBook api) => _client = api.Client();

    public sealed class SubscriptionBook : NewYorkBook
    {
        // a1 pro 100 EUR monthly from 2024-02-01T03:00Z = 31 Jan 22:00 in New York, converted at 31 Jan's 1.10 (not 1 Feb's 2.00): 110.
        // b1 basic 50 from 10 Jan to 2024-03-01T02:00Z = 29 Feb 21:00; b2 team 1,200 yearly (100 a month) from that instant.
        // c1 pro 30 from 15 Dec 2023 to 20 Jan, c2 pro 30 from 5 Mar (a reactivation).
        // d1 pro 0 (a trial) from 3 to 17 Feb, d2 pro 30 from 17 Feb.
        protected override async Task SeedAsync(HttpClient client)
        {
            (await client.PostAsJsonAsync("/api/v1/fx-rates", new
            {
                rates = new[] { new { date = "2024-01-31", currency = "EUR", rateToReporting = 1.10m }, new { date = "2024-02-01", currency = "EUR", rateToReporting = 2.00m } },
            })).EnsureSuccessStatusCode();
            (await PostSubscriptionsAsync(client,
                Sub("a1", "a", plan: "pro", startedAt: "2024-02-01T03:00:00Z", amount: 100m, currency: "EUR"),
                Sub("b1", "b", plan: "basic", startedAt: "2024-01-10T12:00:00Z", endedAt: "2024-03-01T02:00:00Z", amount: 50m),
                Sub("b2", "b", plan: "team", startedAt: "2024-03-01T02:00:00Z", billingPeriod: "year", amount: 1200m),
                Sub("c1", "c", plan: "pro", startedAt: "2023-12-15T12:00:00Z", endedAt: "2024-01-20T12:00:00Z", amount: 30m),
                Sub("c2", "c", plan: "pro", startedAt: "2024-03-05T12:00:00Z", amount: 30m),
                Sub("d1", "d", plan: "pro", startedAt: "2024-02-03T12:00:00Z", endedAt: "2024-02-17T12:00:00Z", amount: 0m),
                Sub("d2", "d", plan: "pro", startedAt: "2024-02-17T12:00:00Z", amount: 30m))).EnsureSuccessStatusCode();
        }
    }

    private async Task<decimal?[]> SeriesAsync(string metric, string query = "from=2024-01-01&to=2024-03-31&asOf=2024-03-31")
    {
        var body = await (await _client.GetAsync($"/api/v1/metrics/timeseries?metric={metric}&{query}")).JsonAsync();
        return [.. Assert.Single(body.GetProperty("series").EnumerateArray()).GetProperty("points").EnumerateArray()
            .Select(p => p.GetProperty("value").ValueKind == JsonValueKind.Null ? (decimal?)null : p.Dec("value"))];
    }

    [Fact]
    public async Task Mrr_and_active_subscriptions_at_each_month_s_end_in_new_york_days_and_converted_at_the_start_day_s_rate()
    {
        // 31 Jan: a1 110 (started that evening) + b1 50 = 160, 2 active.
        // 29 Feb: a1 110 + b2 100 + d2 30 = 240 (b1 ended that day, d1 on the 17th), 3 active.
        // 31 Mar: a1 110 + b2 100 + c2 30 + d2 30 = 270, 4 active.
        Assert.Equal([160m, 240m, 270m], await SeriesAsync("mrr"));
        Assert.Equal([2m, 3m, 4m], await SeriesAsync("activeSubscriptions"));
    }

    [Fact]
    public async Task New_and_cancelled_subscriptions_and_churn_rate_per_month()
    {
        // New: January b1, a1; February d1, d2, b2; March c2. Cancelled: January c1; February d1, b1.
        Assert.Equal([2m, 3m, 1m], await SeriesAsync("newSubscriptions"));
        Assert.Equal([1m, 2m, 0m], await SeriesAsync("cancelledSubscriptions"));

        // Active at the start: 1 Jan c1 (1 of 1 cancelled); 1 Feb a1, b1 (d1, started in February, ends in it too:
        // 2 of 2); 1 Mar a1, b2, d2 (none cancelled).
        Assert.Equal([1m, 1m, 0m], await SeriesAsync("subscriptionChurnRate"));
    }

    private async Task<Dictionary<string, (decimal Mrr, long Active, long New, long Cancelled, decimal? ChurnRate)>> SegmentsAsync(string query) =>
        (await (await _client.GetAsync("/api/v1/segments?" + query)).JsonAsync()).GetProperty("segments").EnumerateArray().ToDictionary(
            s => s.GetProperty("key").GetString()!,
            s => (s.Dec("mrr"), s.Long("activeSubscriptions"), s.Long("newSubscriptions"), s.Long("cancelledSubscriptions"),
                s.GetProperty("subscriptionChurnRate").ValueKind == JsonValueKind.Null ? (decimal?)null : s.Dec("subscriptionChurnRate")));

    [Fact]
    public async Task Segments_by_plan_as_of_the_end_of_february()
    {
        var segments = await SegmentsAsync("by=plan&asOf=2024-02-29");

        // Latest started by 29 Feb: a pro, b team (b2 started on the 29th), c pro (c2 not yet), d pro.
        // pro: MRR a1 110 + d2 30 = 140, 2 active; started a1, c1, d1, d2; ended c1, d1; February: a1 active on
        // the 1st (c1 ended in January), d1 cancelled: 1 ÷ 1.
        // team: b2 100, 1 active; started b1, b2; ended b1; February: b1 active on the 1st and cancelled: 1 ÷ 1.
        Assert.Equal(["pro", "team"], segments.Keys.Order(StringComparer.Ordinal));
        Assert.Equal((140m, 2L, 4L, 2L, 1m), segments["pro"]);
        Assert.Equal((100m, 1L, 2L, 1L, 1m), segments["team"]);
    }

    [Fact]
    public async Task Segments_as_of_a_day_in_the_middle_of_a_month_take_the_churn_of_the_month_before()
    {
        var segments = await SegmentsAsync("by=acquisitionChannel&asOf=2024-02-15&from=2024-01-15");

        // 15 Feb: a1 110 + b1 50 + d1 0 (the trial) = 160, 3 active; started in [15 Jan, 15 Feb] a1, d1; ended c1.
        // Last complete month January: c1 active on the 1st and cancelled: 1 ÷ 1.
        Assert.Equal((160m, 3L, 2L, 1L, 1m), Assert.Single(segments).Value);
    }

    [Fact]
    public async Task The_month_holding_a_past_asOf_is_counted_up_to_it()
    {
        const string query = "from=2024-01-01&to=2024-02-29&asOf=2024-02-15";

        // 15 Feb: a1 110 + b1 50 + d1 0 = 160, 3 active; started by then in February d1; none ended (d1 ends on the 17th);
        // active on 1 Feb a1, b1: 0 of 2.
        Assert.Equal([160m, 160m], await SeriesAsync("mrr", query));
        Assert.Equal([2m, 3m], await SeriesAsync("activeSubscriptions", query));
        Assert.Equal([2m, 1m], await SeriesAsync("newSubscriptions", query));
        Assert.Equal([1m, 0m], await SeriesAsync("cancelledSubscriptions", query));
        Assert.Equal([1m, 0m], await SeriesAsync("subscriptionChurnRate", query));
    }

    [Fact]
    public async Task A_quarter_s_churn_counts_every_subscription_ended_in_it_over_those_active_on_its_first_day()
    {
        // Q1 2024: c1 alone active on 1 January; c1, d1 and b1 ended in the quarter: 3 ÷ 1 (above 1, as documented).
        const string query = "period=quarter&from=2024-01-01&to=2024-03-31&asOf=2024-03-31";
        Assert.Equal([3m], await SeriesAsync("subscriptionChurnRate", query));
        Assert.Equal([270m], await SeriesAsync("mrr", query));
        Assert.Equal((270m, 4L, 7L, 3L, 3m), Assert.Single(await SegmentsAsync("by=acquisitionChannel&asOf=2024-03-31&period=quarter")).Value);
    }
}
