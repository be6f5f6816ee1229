using System.Text.Json;
using Clv.Api.Tests.Infrastructure;
using static Clv.Api.Tests.Feedback.FeedbackIngestionTests;
using static Clv.Api.Tests.Infrastructure.HttpAssertions;

namespace Clv.Api.Tests.Feedback;

/// <summary>
/// A book whose promoters are worth more, read through segments by NPS class. Acquired 2024-01-02:
/// P1 (answers 9) buys 100 and 50, P2 (10) 250: promoters average 200. Q1 (8) buys 80. D1 (3) buys
/// 30; D2 answered 10 on 2024-01-15 and 6 on 2024-03-01 and buys 50: detractors average 40 now,
/// while as of 2024-02-15 D2 was a promoter. N1 never answered and buys 10.
/// </summary>
public sealed class NpsClassSegmentTests(ClvApiFactory api) : IClassFixture<ClvApiFactory>, IAsyncLifetime
{
    private readonly HttpClient _client = api.Client();

    public async Task InitializeAsync()
    {
        if (await api.ScalarAsync<long>("SELECT count(*) FROM customers") > 0)
        {
            return;
        }

        (await _client.PostCustomersAsync([.. new[] { "P1", "P2", "Q1", "D1", "D2", "N1" }.Select(c => new { externalId = c, acquiredAt = "2024-01-02T00:00:00Z" })]))
            .EnsureSuccessStatusCode();
        (await _client.PostTransactionsAsync(
            Tx("p1-a", "P1", "2024-01-10T12:00:00Z", amount: 100m),
            Tx("p1-b", "P1", "2024-02-10T12:00:00Z", amount: 50m),
            Tx("p2-a", "P2", "2024-01-11T12:00:00Z", amount: 250m),
            Tx("q1-a", "Q1", "2024-01-12T12:00:00Z", amount: 80m),
            Tx("d1-a", "D1", "2024-01-13T12:00:00Z", amount: 30m),
            Tx("d2-a", "D2", "2024-01-14T12:00:00Z", amount: 50m),
            Tx("n1-a", "N1", "2024-01-15T12:00:00Z", amount: 10m))).EnsureSuccessStatusCode();
        (await PostFeedbackAsync(_client,
            Answer("f-p1", "P1", "nps", 9, "2024-01-20T10:00:00Z"),
            Answer("f-p2", "P2", "nps", 10, "2024-01-20T10:00:00Z"),
            Answer("f-q1", "Q1", "nps", 8, "2024-01-20T10:00:00Z"),
            Answer("f-d1", "D1", "nps", 3, "2024-01-20T10:00:00Z"),
            Answer("f-d2-old", "D2", "nps", 10, "2024-01-15T10:00:00Z"),
            Answer("f-d2-new", "D2", "nps", 6, "2024-03-01T10:00:00Z"),
            Answer("f-n1-csat", "N1", "csat", 5, "2024-01-20T10:00:00Z"))).EnsureSuccessStatusCode();
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private async Task<Dictionary<string, JsonElement>> SegmentsAsync(string query) =>
        (await (await _client.GetAsync("/api/v1/segments?by=npsClass" + query)).JsonAsync())
            .GetProperty("segments").EnumerateArray().ToDictionary(s => s.GetProperty("key").GetString()!);

    [Fact]
    public async Task Promoters_average_historical_clv_is_higher_than_detractors_by_the_hand_computed_amounts()
    {
        var segments = await SegmentsAsync("");

        Assert.Equal(["detractor", "none", "passive", "promoter"], segments.Keys.Order(StringComparer.Ordinal));
        Assert.Equal((2, (100m + 50m + 250m) / 2), (segments["promoter"].GetProperty("customers").GetInt32(), segments["promoter"].Dec("avgHistoricalClv")));
        Assert.Equal((1, 80m), (segments["passive"].GetProperty("customers").GetInt32(), segments["passive"].Dec("avgHistoricalClv")));
        Assert.Equal((2, (30m + 50m) / 2), (segments["detractor"].GetProperty("customers").GetInt32(), segments["detractor"].Dec("avgHistoricalClv")));
        Assert.Equal((1, 10m), (segments["none"].GetProperty("customers").GetInt32(), segments["none"].Dec("avgHistoricalClv")));
        Assert.Equal(400m, segments["promoter"].Dec("customerEquity"));
    }

    [Fact]
    public async Task As_of_a_past_day_a_customer_has_the_class_of_their_latest_answer_by_then()
    {
        var segments = await SegmentsAsync("&asOf=2024-02-15");

        // D2's 6 came on 2024-03-01: on 2024-02-15 their latest was the 10 (and P1's second purchase is in).
        Assert.Equal((3, (150m + 250m + 50m) / 3), (segments["promoter"].GetProperty("customers").GetInt32(), segments["promoter"].Dec("avgHistoricalClv")));
        Assert.Equal((1, 30m), (segments["detractor"].GetProperty("customers").GetInt32(), segments["detractor"].Dec("avgHistoricalClv")));
    }

    [Fact]
    public async Task Compare_by_nps_class_gives_the_promoters_lift_in_historical_clv()
    {
        var body = await (await _client.GetAsync("/api/v1/compare?by=npsClass&a=detractor&b=promoter&metric=historicalClv")).JsonAsync();

        // Promoters 150, 250 against detractors 30, 50: means 200 and 40.
        Assert.Equal(200.0, body.GetProperty("b").GetProperty("mean").GetDouble(), 9);
        Assert.Equal(40.0, body.GetProperty("a").GetProperty("mean").GetDouble(), 9);
        Assert.Equal(160.0, body.GetProperty("difference").GetDouble(), 9);
        Assert.Equal(200.0 / 40 - 1, body.GetProperty("relativeLift").GetDouble(), 9);
        Assert.True(body.GetProperty("smallSample").GetBoolean());
    }

    [Fact]
    public async Task Compare_on_nps_takes_each_customer_s_latest_answer_and_has_no_variance_below_two_members()
    {
        var body = await (await _client.GetAsync("/api/v1/compare?by=npsClass&a=passive&b=promoter&metric=nps")).JsonAsync();

        // Passive: one answer of 8 (NPS 0); promoters: 9 and 10 (NPS 100). One member in a: no variance.
        Assert.Equal("nps-difference-z", body.GetProperty("method").GetString());
        Assert.Equal((1L, 0.0), (body.GetProperty("a").Long("n"), body.GetProperty("a").GetProperty("mean").GetDouble()));
        Assert.Equal((2L, 100.0), (body.GetProperty("b").Long("n"), body.GetProperty("b").GetProperty("mean").GetDouble()));
        Assert.Equal(100.0, body.GetProperty("difference").GetDouble());
        Assert.Equal(JsonValueKind.Null, body.GetProperty("pValue").ValueKind);
        Assert.Contains("group a has 1 member", body.GetProperty("reason").GetString(), StringComparison.Ordinal);
    }
}
