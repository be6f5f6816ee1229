using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Clv.Api.Tests.Infrastructure;
using static Clv.Api.Tests.Feedback.FeedbackIngestionTests;

namespace Clv.Api.Tests.Feedback;

/// <summary>
/// The feedback summary, the NPS and CSAT time series and the customer detail's latest answers,
/// through the API; every expected value worked out by hand in the test.
/// </summary>
public sealed class FeedbackReadTests(ClvApiFactory api) : IClassFixture<ClvApiFactory>
{
    private const double Z95 = 1.959963984540054; // the standard normal quantile at 0.975
    private readonly HttpClient _client = api.Client();

    private static JsonElement Group(JsonElement summary, string key) =>
        summary.GetProperty("groups").EnumerateArray().Single(g => g.GetProperty("key").GetString() == key);

    [Fact]
    public async Task One_response_at_each_score_0_to_10_gives_nps_minus_45_45_with_its_standard_error_and_interval()
    {
        (await _client.PostCustomersAsync([.. Enumerable.Range(0, 11).Select(i => new { externalId = $"s11-{i}", attributes = new { book = "eleven" } })]))
            .EnsureSuccessStatusCode();
        (await PostFeedbackAsync(_client, [.. Enumerable.Range(0, 11).Select(i => Answer($"s11-a{i}", $"s11-{i}", "nps", i))])).EnsureSuccessStatusCode();

        var group = Group(await (await _client.GetAsync("/api/v1/feedback/summary?by=attribute:book")).JsonAsync(), "eleven");

        // 9 and 10 promote, 7 and 8 are passive, 0..6 detract: p = 2/11, d = 7/11.
        Assert.Equal((11L, 2L, 2L, 7L), (group.Long("responses"), group.Long("promoters"), group.Long("passives"), group.Long("detractors")));
        var nps = group.GetProperty("nps").GetDouble();
        Assert.Equal(-45.45, Math.Round(nps, 2));
        // 100 × √((p + d − (p − d)²) / n) = 100 × √((9/11 − 25/121) / 11) = 100 × √(74/1331).
        var se = 100 * Math.Sqrt(74.0 / 1331);
        Assert.Equal(se, group.GetProperty("npsStandardError").GetDouble(), 9);
        Assert.Equal(-500.0 / 11 - Z95 * se, group.GetProperty("npsInterval").GetProperty("lower").GetDouble(), 6);
        Assert.Equal(-500.0 / 11 + Z95 * se, group.GetProperty("npsInterval").GetProperty("upper").GetDouble(), 6);
        Assert.Equal(0, group.Long("csatResponses"));
        Assert.Equal(JsonValueKind.Null, group.GetProperty("csat").ValueKind);
    }

    [Fact]
    public async Task Each_customer_counts_once_per_survey_by_the_latest_answer_of_the_range_and_csat_has_a_wilson_interval()
    {
        (await _client.PostCustomersAsync(
            new { externalId = "lt-1", attributes = new { book = "latest" } },
            new { externalId = "lt-2", attributes = new { book = "latest" } })).EnsureSuccessStatusCode();
        (await PostFeedbackAsync(_client,
            Answer("lt-n1", "lt-1", "nps", 2, "2024-01-10T10:00:00Z"),
            Answer("lt-n2", "lt-1", "nps", 10, "2024-03-10T10:00:00Z"),
            Answer("lt-n3", "lt-2", "nps", 9, "2024-01-12T10:00:00Z"),
            Answer("lt-c1", "lt-1", "csat", 5, "2024-01-10T10:00:00Z"),
            Answer("lt-c2", "lt-2", "csat", 2, "2024-01-10T10:00:00Z"))).EnsureSuccessStatusCode();

        var all = Group(await (await _client.GetAsync("/api/v1/feedback/summary?by=attribute:book")).JsonAsync(), "latest");
        var january = Group(await (await _client.GetAsync("/api/v1/feedback/summary?by=attribute:book&from=2024-01-01&to=2024-01-31")).JsonAsync(), "latest");

        // Latest answers: lt-1 scored 10 in March, lt-2 9: two promoters, NPS 100.
        Assert.Equal((2L, 2L, 100.0), (all.Long("responses"), all.Long("promoters"), all.GetProperty("nps").GetDouble()));
        // In January lt-1's latest is the 2: one promoter, one detractor, NPS 0.
        Assert.Equal((2L, 1L, 1L, 0.0), (january.Long("responses"), january.Long("promoters"), january.Long("detractors"), january.GetProperty("nps").GetDouble()));
        // CSAT 1 of 2; Wilson: (p + z²/2n ± z√(p(1 − p)/n + z²/4n²)) / (1 + z²/n) with p = 0.5, n = 2.
        var (p, n, z2) = (0.5, 2.0, Z95 * Z95);
        var half = Z95 * Math.Sqrt((p * (1 - p) / n) + (z2 / (4 * n * n)));
        Assert.Equal(0.5, all.GetProperty("csat").GetDouble());
        Assert.Equal((p + (z2 / (2 * n)) - half) / (1 + (z2 / n)), all.GetProperty("csatInterval").GetProperty("lower").GetDouble(), 9);
        Assert.Equal((p + (z2 / (2 * n)) + half) / (1 + (z2 / n)), all.GetProperty("csatInterval").GetProperty("upper").GetDouble(), 9);
    }

    [Fact]
    public async Task Summary_as_csv_has_a_row_per_group_and_the_data_through_header()
    {
        (await PostFeedbackAsync(_client, Answer("csv-n1", "csv-1", "nps", 9))).EnsureSuccessStatusCode();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/feedback/summary?by=npsClass");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/csv"));

        var response = await _client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(response.Headers.Contains("Clv-Data-Through"));
        var lines = (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("key,responses,promoters,passives,detractors,nps,npsStandardError,npsInterval.lower,npsInterval.upper", lines[0], StringComparison.Ordinal);
        Assert.Contains(lines, l => l.StartsWith("promoter,", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Summary_with_an_unknown_grouping_is_400_problem_naming_by()
    {
        var problem = await (await _client.GetAsync("/api/v1/feedback/summary?by=shoeSize")).ProblemAsync(HttpStatusCode.BadRequest);

        Assert.True(problem.GetProperty("errors").TryGetProperty("by", out _));
    }

    [Theory]
    [InlineData("asOf=2024-03-01&from=2024-03-10&to=2024-12-31")] // the hostile-user pass of 2026-12-06: 200 with nothing counted
    [InlineData("asOf=2024-03-01&to=2024-03-02")]
    [InlineData("to=9998-12-31")] // asOf defaults to today
    public async Task Summary_with_to_after_asOf_is_400_problem_naming_to(string query)
    {
        var problem = await (await _client.GetAsync($"/api/v1/feedback/summary?{query}")).ProblemAsync(HttpStatusCode.BadRequest);

        Assert.Equal(["to must not be after asOf (default today)."], problem.GetProperty("errors").GetProperty("to").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task Time_series_give_nps_and_csat_of_the_answers_of_each_month()
    {
        (await _client.PostCustomersAsync(
            new { externalId = "ts-1", acquiredAt = "2023-06-01T00:00:00Z", attributes = new { book = "series" } },
            new { externalId = "ts-2", acquiredAt = "2023-06-01T00:00:00Z", attributes = new { book = "series" } })).EnsureSuccessStatusCode();
        (await PostFeedbackAsync(_client,
            Answer("ts-n1", "ts-1", "nps", 10, "2024-01-05T10:00:00Z"),
            Answer("ts-n2", "ts-2", "nps", 9, "2024-01-06T10:00:00Z"),
            Answer("ts-n3", "ts-1", "nps", 3, "2024-01-20T10:00:00Z"),
            Answer("ts-n4", "ts-2", "nps", 5, "2024-02-03T10:00:00Z"),
            Answer("ts-c1", "ts-1", "csat", 5, "2024-01-05T10:00:00Z"),
            Answer("ts-c2", "ts-2", "csat", 2, "2024-01-05T10:00:00Z"))).EnsureSuccessStatusCode();

        async Task<decimal?[]> SeriesAsync(string metric)
        {
            var body = await (await _client.GetAsync($"/api/v1/metrics/timeseries?metric={metric}&by=attribute:book&from=2024-01-01&to=2024-03-31&asOf=2024-03-31")).JsonAsync();
            var series = body.GetProperty("series").EnumerateArray().Single(s => s.GetProperty("key").GetString() == "series");
            return [.. series.GetProperty("points").EnumerateArray().Select(p => p.GetProperty("value").ValueKind == JsonValueKind.Null ? (decimal?)null : p.Dec("value"))];
        }

        // January: 10, 9, 3, every answer of the month: 100 × (2 − 1)/3. February: one 5, −100. March: none.
        Assert.Equal([33.3333m, -100m, null], await SeriesAsync("nps"));
        Assert.Equal([0.5m, null, null], await SeriesAsync("csat"));
    }

    [Fact]
    public async Task Customer_detail_shows_the_latest_answers_as_of_the_day_asked()
    {
        (await PostFeedbackAsync(_client,
            Answer("cd-n1", "cd-1", "nps", 4, "2024-01-10T10:00:00Z"),
            Answer("cd-n2", "cd-1", "nps", 9, "2024-03-10T10:00:00Z"),
            Answer("cd-c1", "cd-1", "csat", 3, "2024-02-10T10:00:00Z"))).EnsureSuccessStatusCode();

        var now = (await (await _client.GetAsync("/api/v1/customers/cd-1")).JsonAsync()).GetProperty("feedback");
        var february = (await (await _client.GetAsync("/api/v1/customers/cd-1?asOf=2024-02-01")).JsonAsync()).GetProperty("feedback");

        Assert.Equal((9, "promoter"), (now.GetProperty("nps").GetProperty("score").GetInt32(), now.GetProperty("nps").GetProperty("class").GetString()));
        Assert.Equal(3, now.GetProperty("csat").GetProperty("score").GetInt32());
        Assert.Equal((4, "detractor"), (february.GetProperty("nps").GetProperty("score").GetInt32(), february.GetProperty("nps").GetProperty("class").GetString()));
        Assert.Equal(JsonValueKind.Null, february.GetProperty("csat").ValueKind);
    }
}
