using System.Text.Json;
using Clv.Api.Tests.Infrastructure;
using static Clv.Api.Tests.Infrastructure.HttpAssertions;

namespace Clv.Api.Tests.Subscriptions;

/// <summary>
/// The plan grouping's group <c>none</c> (docs/metrics.md, "By plan"): a customer without a
/// subscription started by the as-of day, on a database of its own so that every customer is known.
/// </summary>
public sealed class SubscriptionPlanGroupTests(ClvApiFactory api) : IClassFixture<ClvApiFactory>, IAsyncLifetime
{
    private readonly HttpClient _client = api.Client();

    // A: a purchase of 20 on 5 Jan, pro monthly 30 from 10 Jan. B: a purchase of 50 on 6 Jan, no
    // subscription. C: a purchase of 15 on 7 Jan, basic monthly 10 from 1 Mar.
    public async Task InitializeAsync()
    {
        (await _client.PostTransactionsAsync(
            Tx("p-t1", "p-a", "2024-01-05T12:00:00Z", amount: 20m),
            Tx("p-t2", "p-b", "2024-01-06T12:00:00Z", amount: 50m),
            Tx("p-t3", "p-c", "2024-01-07T12:00:00Z", amount: 15m))).EnsureSuccessStatusCode();
        (await SubscriptionIngestionTests.PostSubscriptionsAsync(_client,
            SubscriptionIngestionTests.Sub("p-s1", "p-a", plan: "pro", startedAt: "2024-01-10T12:00:00Z", amount: 30m),
            SubscriptionIngestionTests.Sub("p-s2", "p-c", plan: "basic", startedAt: "2024-03-01T12:00:00Z", amount: 10m))).EnsureSuccessStatusCode();
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private async Task<Dictionary<string, JsonElement>> SegmentsAsync(string asOf) =>
        (await (await _client.GetAsync($"/api/v1/segments?by=plan&asOf={asOf}")).JsonAsync())
            .GetProperty("segments").EnumerateArray().ToDictionary(s => s.GetProperty("key").GetString()!, s => s);

    [Fact]
    public async Task A_customer_without_a_subscription_started_by_the_day_is_in_the_group_none()
    {
        // 31 Jan: A is pro; B has none; C's subscription starts in March, so C is in none too.
        var january = await SegmentsAsync("2024-01-31");

        Assert.Equal(["none", "pro"], january.Keys.Order(StringComparer.Ordinal));
        Assert.Equal((2L, 65m, 0m, 0L), (january["none"].Long("customers"), january["none"].Dec("customerEquity"), january["none"].Dec("mrr"), january["none"].Long("activeSubscriptions")));
        Assert.Equal((1L, 20m, 30m, 1L), (january["pro"].Long("customers"), january["pro"].Dec("customerEquity"), january["pro"].Dec("mrr"), january["pro"].Long("activeSubscriptions")));

        // 31 Mar: C's basic subscription has started; B alone is left in none.
        var march = await SegmentsAsync("2024-03-31");

        Assert.Equal(["basic", "none", "pro"], march.Keys.Order(StringComparer.Ordinal));
        Assert.Equal((1L, 50m), (march["none"].Long("customers"), march["none"].Dec("customerEquity")));
        Assert.Equal((1L, 15m, 10m), (march["basic"].Long("customers"), march["basic"].Dec("customerEquity"), march["basic"].Dec("mrr")));
    }
}
