using System.Text.Json;
using Clv.Api.Tests.Infrastructure;
using static Clv.Api.Tests.Feedback.FeedbackIngestionTests;

namespace Clv.Api.Tests.Feedback;

/// <summary>
/// NPS and CSAT of a tiny book counted by hand in New York days (docs/metrics.md, "Feedback"): the
/// summary counts each customer's latest answer of the range, the time series every answer, and a
/// customer's class is their latest answer by the as-of day (the greater external id on a tie).
/// </summary>
public sealed class FeedbackAuditTests : IClassFixture<FeedbackAuditTests.FeedbackBook>
{
    private const double Z95 = 1.959963984540054;
    private readonly HttpClient _client;

    public FeedbackAuditTests(FeedbackBook api) => _client = api.Client();

    public sealed class FeedbackBook : NewYorkBook
    {
        // ads: p1 NPS 3 (5 Jan), CSAT 4 (5 Jan), NPS 10 (10 Feb); p2 NPS 9 (20 Jan), NPS 6 at 2024-03-01T03:00Z, which
        // is 29 Feb 22:00 in New York; p3 NPS 8 (1 Feb). organic: q1 NPS 10 (f-q1-a) and 2 (f-q1-b) at the same
        // instant on 10 Jan; q2 NPS 7 and CSAT 5 (15 Feb), CSAT 2 (1 Mar).
        protected override async Task SeedAsync(HttpClient client)
        {
            (await client.PostCustomersAsync(
                new { externalId = "p1", acquiredAt = "2024-01-01T17:00:00Z", acquisitionChannel = "ads" },
                new { externalId = "p2", acquiredAt = "2024-01-01T17:00:00Z", acquisitionChannel = "ads" },
                new { externalId = "p3", acquiredAt = "2024-01-01T17:00:00Z", acquisitionChannel = "ads" },
                new { externalId = "q1", acquiredAt = "2024-01-01T17:00:00Z", acquisitionChannel = "organic" },
                new { externalId = "q2", acquiredAt = "2024-01-01T17:00:00Z", acquisitionChannel = "organic" })).EnsureSuccessStatusCode();
            (await PostFeedbackAsync(client,
                Answer("f-p1-a", "p1", "nps", 3, "2024-01-05T17:00:00Z"),
                Answer("f-p1-c", "p1", "csat", 4, "2024-01-05T17:00:00Z"),
                Answer("f-p1-b", "p1", "nps", 10, "2024-02-10T17:00:00Z"),
                Answer("f-p2-a", "p2", "nps", 9, "2024-01-20T17:00:00Z"),
                Answer("f-p2-b", "p2", "nps", 6, "2024-03-01T03:00:00Z"),
                Answer("f-p3-a", "p3", "nps", 8, "2024-02-01T17:00:00Z"),
                Answer("f-q1-a", "q1", "nps", 10, "2024-01-10T17:00:00Z"),
                Answer("f-q1-b", "q1", "nps", 2, "2024-01-10T17:00:00Z"),
                Answer("f-q2-a", "q2", "nps", 7, "2024-02-15T17:00:00Z"),
                Answer("f-q2-c", "q2", "csat", 5, "2024-02-15T17:00:00Z"),
                Answer("f-q2-d", "q2", "csat", 2, "2024-03-01T17:00:00Z"))).EnsureSuccessStatusCode();
        }
    }

    private async Task<Dictionary<string, JsonElement>> SummaryAsync(string query) =>
        (await (await _client.GetAsync("/api/v1/feedback/summary?" + query)).JsonAsync())
            .GetProperty("groups").EnumerateArray().ToDictionary(g => g.GetProperty("key").GetString()!, g => g);

    [Fact]
    public async Task By_channel_at_the_end_of_february_in_new_york_each_customer_counts_by_their_latest_answer()
    {
        var groups = await SummaryAsync("by=acquisitionChannel&asOf=2024-02-29");

        // ads: p1 10 (promoter), p2 6 (detractor, answered on 29 Feb in New York), p3 8: NPS 0;
        // SE 100 × √((1/3 + 1/3 − 0) / 3) = 100 × √(2/9) = 47.1405; interval ± 1.959964 × 47.1405 = ± 92.3937.
        var ads = groups["ads"];
        Assert.Equal((3L, 1L, 1L, 1L), (ads.Long("responses"), ads.Long("promoters"), ads.Long("passives"), ads.Long("detractors")));
        Assert.Equal(0, ads.DoubleOrNull("nps")!.Value, 9);
        Assert.Equal(100 * Math.Sqrt(2.0 / 9), ads.DoubleOrNull("npsStandardError")!.Value, 9);
        Assert.Equal(Z95 * 100 * Math.Sqrt(2.0 / 9), ads.GetProperty("npsInterval").GetProperty("upper").GetDouble(), 6);

        // organic: q1's latest is f-q1-b (the greater id of the tie), 2: a detractor; q2 7: NPS 100 × (0 − 1/2) = −50;
        // SE 100 × √((1/2 − 1/4) / 2) = 35.3553; lower −50 − 69.2950 cut to −100. CSAT: q2's 5 of 15 Feb, 1 of 1.
        var organic = groups["organic"];
        Assert.Equal((2L, 0L, 1L, 1L), (organic.Long("responses"), organic.Long("promoters"), organic.Long("passives"), organic.Long("detractors")));
        Assert.Equal(-50, organic.DoubleOrNull("nps")!.Value, 9);
        Assert.Equal(100 * Math.Sqrt(0.125), organic.DoubleOrNull("npsStandardError")!.Value, 9);
        Assert.Equal(-100, organic.GetProperty("npsInterval").GetProperty("lower").GetDouble(), 9);
        Assert.Equal((1L, 1d), (organic.Long("csatResponses"), organic.DoubleOrNull("csat")!.Value));
        Assert.Equal((1L, 1d), (ads.Long("csatResponses"), ads.DoubleOrNull("csat")!.Value));
    }

    [Fact]
    public async Task A_day_earlier_p2_is_still_a_promoter()
    {
        // 28 Feb: ads p1 10, p2 9, p3 8: 100 × 2/3 = 66.67.
        var ads = (await SummaryAsync("by=acquisitionChannel&asOf=2024-02-28"))["ads"];

        Assert.Equal((3L, 2L), (ads.Long("responses"), ads.Long("promoters")));
        Assert.Equal(200.0 / 3, ads.DoubleOrNull("nps")!.Value, 9);
    }

    [Fact]
    public async Task A_range_counts_only_the_answers_given_in_it()
    {
        var groups = await SummaryAsync("by=acquisitionChannel&from=2024-02-01&to=2024-02-28&asOf=2024-03-31");

        // February up to the 28th: ads p1 10, p3 8: 50 of 2; organic q2 7: 0 of 1, no standard error; CSAT q2's 5.
        Assert.Equal((2L, 50d), (groups["ads"].Long("responses"), groups["ads"].DoubleOrNull("nps")!.Value));
        Assert.Equal((1L, 0d, (double?)null), (groups["organic"].Long("responses"), groups["organic"].DoubleOrNull("nps")!.Value, groups["organic"].DoubleOrNull("npsStandardError")));
        Assert.Equal((1L, 1d), (groups["organic"].Long("csatResponses"), groups["organic"].DoubleOrNull("csat")!.Value));
        Assert.Equal(0L, groups["ads"].Long("csatResponses"));
    }

    [Fact]
    public async Task A_range_takes_the_latest_answer_within_it_not_the_latest_by_asOf()
    {
        var groups = await SummaryAsync("by=acquisitionChannel&from=2024-01-01&to=2024-01-31&asOf=2024-03-31");

        // January: ads p1 3, p2 9 (their later answers are after the range): (1 − 1) ÷ 2 = 0; organic q1 2: −100.
        Assert.Equal((2L, 1L, 1L, 0d), (groups["ads"].Long("responses"), groups["ads"].Long("promoters"), groups["ads"].Long("detractors"), groups["ads"].DoubleOrNull("nps")!.Value));
        Assert.Equal((1L, -100d), (groups["organic"].Long("responses"), groups["organic"].DoubleOrNull("nps")!.Value));
    }

    [Fact]
    public async Task The_time_series_counts_every_answer_of_each_new_york_month()
    {
        var body = await (await _client.GetAsync("/api/v1/metrics/timeseries?metric=nps&from=2024-01-01&to=2024-03-31&asOf=2024-03-31")).JsonAsync();
        var points = Assert.Single(body.GetProperty("series").EnumerateArray()).GetProperty("points").EnumerateArray().Select(p => p.DoubleOrNull("value")).ToList();

        // January 3, 9, 10, 2: (2 − 2) ÷ 4 = 0. February 10, 8, 7, 6 (p2's, on the 29th in New York): (1 − 1) ÷ 4 = 0.
        // March: no NPS answer.
        Assert.Equal([0d, 0d, null], points);

        var csat = await (await _client.GetAsync("/api/v1/metrics/timeseries?metric=csat&from=2024-01-01&to=2024-03-31&asOf=2024-03-31")).JsonAsync();
        // January 4: 1; February 5: 1; March 2: 0.
        Assert.Equal([1d, 1d, 0d], Assert.Single(csat.GetProperty("series").EnumerateArray()).GetProperty("points").EnumerateArray().Select(p => p.DoubleOrNull("value")));
    }

    [Fact]
    public async Task Segments_by_nps_class_follow_the_latest_answer_by_the_as_of_day()
    {
        async Task<Dictionary<string, long>> Classes(string asOf) =>
            (await (await _client.GetAsync($"/api/v1/segments?by=npsClass&asOf={asOf}")).JsonAsync())
                .GetProperty("segments").EnumerateArray().ToDictionary(s => s.GetProperty("key").GetString()!, s => s.Long("customers"));

        // 28 Feb: p1 10, p2 9 promoters; p3 8, q2 7 passives; q1 2 a detractor. 29 Feb: p2 6 a detractor.
        // 14 Feb: p1 10, p2 9; p3 8; q1 2; q2 has not answered.
        Assert.Equal(new Dictionary<string, long> { ["promoter"] = 2, ["passive"] = 2, ["detractor"] = 1 }, await Classes("2024-02-28"));
        Assert.Equal(new Dictionary<string, long> { ["promoter"] = 1, ["passive"] = 2, ["detractor"] = 2 }, await Classes("2024-02-29"));
        Assert.Equal(new Dictionary<string, long> { ["promoter"] = 2, ["passive"] = 1, ["detractor"] = 1, ["none"] = 1 }, await Classes("2024-02-14"));
    }

    [Fact]
    public async Task By_nps_class_each_class_holds_exactly_its_own_answers()
    {
        var groups = await SummaryAsync("by=npsClass&asOf=2024-02-29");

        // 29 Feb: promoter p1; passive p3, q2; detractor p2, q1: each group's latest answers are all of its class.
        Assert.Equal((1L, 1L, 0L, 0L, 100d), Counts(groups["promoter"]));
        Assert.Equal((2L, 0L, 2L, 0L, 0d), Counts(groups["passive"]));
        Assert.Equal((2L, 0L, 0L, 2L, -100d), Counts(groups["detractor"]));

        static (long, long, long, long, double) Counts(JsonElement g) =>
            (g.Long("responses"), g.Long("promoters"), g.Long("passives"), g.Long("detractors"), g.DoubleOrNull("nps")!.Value);
    }
}
