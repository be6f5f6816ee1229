using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Clv.Api.Tests.Infrastructure;
using static Clv.Api.Tests.Infrastructure.HttpAssertions;

namespace Clv.Api.Tests.Portfolio;

/// <summary>
/// A hand-built book, every expected value worked out in the tests:
/// channel ads spent 600 over 2024-01-01..01-31; A1, A2, A3 acquired through ads on 2024-01-05,
/// each buying 200 at a cost of 100 (gross profit 100) on the 10th of January, February and March;
/// A1 and A2 have the attribute plan = pro, A3 plan = basic. Channel tv spent 300 over
/// 2024-04-01..04-30 and acquired nobody; U1, without a channel, was acquired on 2024-04-02 and
/// bought nothing.
/// W1 acquired through web on 2024-02-01 buys 100 EUR on 2024-02-15, converted at the 2024-02-14
/// rate 1.10 to 110 USD (no cost known). R (no channel) buys 400 on 2025-03-01 and 100 on
/// 2026-03-01: as of 2026-03-31 a fall of 75% against the 12 months before, at risk.
/// </summary>
public sealed class PortfolioEndpointTests(ClvApiFactory api) : IClassFixture<ClvApiFactory>, IAsyncLifetime
{
    private const string AsOf = "2024-03-31";
    private readonly HttpClient _client = api.Client();

    public async Task InitializeAsync()
    {
        if (await api.ScalarAsync<long>("SELECT count(*) FROM customers") > 0)
        {
            return;
        }

        (await _client.PostAsJsonAsync("/api/v1/customers", new
        {
            customers = new object[]
            {
                new { externalId = "A1", acquiredAt = "2024-01-05T09:00:00Z", acquisitionChannel = "ads", attributes = new { plan = "pro" } },
                new { externalId = "A2", acquiredAt = "2024-01-05T09:00:00Z", acquisitionChannel = "ads", attributes = new { plan = "pro" } },
                new { externalId = "A3", acquiredAt = "2024-01-05T09:00:00Z", acquisitionChannel = "ads", attributes = new { plan = "basic" } },
                new { externalId = "W1", acquiredAt = "2024-02-01T09:00:00Z", acquisitionChannel = "web" },
                new { externalId = "U1", acquiredAt = "2024-04-02T09:00:00Z" },
            },
        })).EnsureSuccessStatusCode();
        (await _client.PostAsJsonAsync("/api/v1/acquisition-spend", new
        {
            spend = new[]
            {
                new { channel = "ads", periodStart = "2024-01-01", periodEnd = "2024-01-31", amount = 600m, currency = "USD" },
                new { channel = "tv", periodStart = "2024-04-01", periodEnd = "2024-04-30", amount = 300m, currency = "USD" },
            },
        })).EnsureSuccessStatusCode();
        (await _client.PostAsJsonAsync("/api/v1/fx-rates", new { rates = new[] { new { date = "2024-02-14", currency = "EUR", rateToReporting = 1.10m } } }))
            .EnsureSuccessStatusCode();
        var transactions = new List<object>();
        foreach (var customer in new[] { "A1", "A2", "A3" })
        {
            foreach (var month in new[] { "01", "02", "03" })
            {
                transactions.Add(Tx($"{customer}-{month}", customer, $"2024-{month}-10T12:00:00Z", amount: 200m, cost: 100m));
            }
        }

        transactions.Add(Tx("W1-1", "W1", "2024-02-15T12:00:00Z", amount: 100m, currency: "EUR"));
        transactions.Add(Tx("R-1", "R", "2025-03-01T12:00:00Z", amount: 400m));
        transactions.Add(Tx("R-2", "R", "2026-03-01T12:00:00Z", amount: 100m));
        (await _client.PostTransactionsAsync([.. transactions])).EnsureSuccessStatusCode();
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private async Task<(HttpResponseMessage Response, string[] Lines)> CsvAsync(string path)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/csv"));
        var response = await _client.SendAsync(request);
        return (response, (await response.Content.ReadAsStringAsync()).TrimEnd().Split('\n'));
    }

    private static JsonElement Segment(JsonElement body, string key) =>
        body.GetProperty("segments").EnumerateArray().Single(s => s.GetProperty("key").GetString() == key);

    [Fact]
    public async Task Segments_by_channel_give_cac_clv_to_cac_payback_retention_and_shares()
    {
        var body = await (await _client.GetAsync($"/api/v1/segments?by=acquisitionChannel&asOf={AsOf}&from=2024-01-01&to={AsOf}")).JsonAsync();
        var ads = Segment(body, "ads");
        var web = Segment(body, "web");

        Assert.Equal("acquisitionChannel", body.GetProperty("by").GetString());
        Assert.Equal(AsOf, body.GetProperty("asOf").GetString());
        Assert.Equal(2, body.GetProperty("segments").GetArrayLength()); // R is acquired after the as-of date
        Assert.Equal(3, ads.Long("customers"));
        Assert.Equal(3, ads.Long("newCustomers"));
        Assert.Equal(3, ads.Long("activeCustomers")); // all bought in March, the last complete month
        Assert.Equal(1.0, ads.GetProperty("retentionRate").GetDouble()); // all 3 of February bought again in March
        Assert.Equal(1.0, ads.GetProperty("repeatPurchaseRate").GetDouble());
        Assert.Equal(3, ads.Long("repeatCustomers")); // A1-A3 bought on three days each
        Assert.Equal(0, web.Long("repeatCustomers")); // W1 bought once
        Assert.Equal(600m, ads.Dec("avgHistoricalClv")); // 3 × 200
        Assert.Equal(1_800m, ads.Dec("customerEquity"));
        Assert.Equal(600m, ads.Dec("spend"));
        Assert.Equal(200m, ads.Dec("cac")); // 600 / 3
        Assert.Equal(1.5m, ads.Dec("clvToCac")); // gross profit 3 × 100 = 300 per customer / 200
        Assert.Equal(2, ads.Long("paybackMonths")); // cumulative gross profit 100, 200 -> reaches 200 in month 2
        Assert.Equal("weak", ads.GetProperty("health").GetProperty("clvToCac").GetString());
        Assert.Equal("good", ads.GetProperty("health").GetProperty("payback").GetString());
        Assert.True(ads.GetProperty("smallSample").GetBoolean()); // 3 < 100
        Assert.Equal(JsonValueKind.Null, ads.GetProperty("avgPredictedClv").ValueKind); // no model run
        Assert.Equal(JsonValueKind.Null, body.GetProperty("predictions").ValueKind); // so no run to name
        // Shares of 1,800 + 110 = 1,910 of net revenue, to 6 decimals.
        Assert.Equal(0.942408m, ads.Dec("revenueShare"));
        Assert.Equal(0.057592m, web.Dec("revenueShare"));
        // The foreign-currency purchase counts converted: 100 EUR × 1.10.
        Assert.Equal(110m, web.Dec("customerEquity"));
        Assert.Equal(0m, web.Dec("spend"));
        Assert.Equal(JsonValueKind.Null, web.GetProperty("clvToCac").ValueKind); // no spend recorded: no CAC, no ratio
    }

    [Fact]
    public async Task A_channel_without_recorded_spend_has_no_cac_payback_or_health()
    {
        // web has a new customer (W1) but no spend row: its CAC is unknown, not 0 (which would pay
        // back in month 1 and read "good").
        var body = await (await _client.GetAsync($"/api/v1/segments?by=acquisitionChannel&asOf={AsOf}&from=2024-01-01")).JsonAsync();
        var web = Segment(body, "web");

        Assert.Equal(1, web.Long("newCustomers"));
        Assert.Equal(JsonValueKind.Null, web.GetProperty("cac").ValueKind);
        Assert.Equal(JsonValueKind.Null, web.GetProperty("paybackMonths").ValueKind);
        Assert.Equal(JsonValueKind.Null, web.GetProperty("health").GetProperty("clvToCac").ValueKind);
        Assert.Equal(JsonValueKind.Null, web.GetProperty("health").GetProperty("payback").ValueKind);
    }

    [Fact]
    public async Task Blended_cac_is_null_when_no_spend_is_recorded_over_the_range()
    {
        // February and March 2024: W1 is the one new customer; ads spent in January only, tv in April.
        var body = await (await _client.GetAsync($"/api/v1/metrics/summary?asOf={AsOf}&from=2024-02-01")).JsonAsync();

        Assert.Equal(1, body.Long("newCustomers"));
        Assert.Equal(JsonValueKind.Null, body.GetProperty("blendedCac").ValueKind);
        Assert.Equal(JsonValueKind.Null, body.GetProperty("paybackMonths").ValueKind);
        Assert.Equal(JsonValueKind.Null, body.GetProperty("health").GetProperty("payback").ValueKind);
    }

    [Fact]
    public async Task A_channel_with_spend_but_no_customers_is_a_segment_and_segment_spend_adds_up_to_all_spend()
    {
        const string Range = "asOf=2024-05-31&from=2024-01-01";
        var body = await (await _client.GetAsync($"/api/v1/segments?by=acquisitionChannel&{Range}")).JsonAsync();
        var summary = await (await _client.GetAsync($"/api/v1/metrics/summary?{Range}")).JsonAsync();
        var tv = Segment(body, "tv");

        Assert.Equal(0, tv.Long("customers"));
        Assert.Equal(300m, tv.Dec("spend"));
        Assert.Equal(JsonValueKind.Null, tv.GetProperty("cac").ValueKind); // nobody acquired
        // ads 600 + tv 300 + web 0 + unattributed 0.
        Assert.Equal(900m, body.GetProperty("segments").EnumerateArray().Sum(s => s.Dec("spend")));
        Assert.Equal(900m, summary.Dec("spend"));
        // New in 2024-01-01..05-31: A1..A3, W1, U1 -> 900 / 5.
        Assert.Equal(180m, summary.Dec("blendedCac"));
    }

    [Fact]
    public async Task Customers_without_a_channel_form_the_unattributed_segment()
    {
        var body = await (await _client.GetAsync("/api/v1/segments?by=acquisitionChannel&asOf=2024-05-31")).JsonAsync();
        var unattributed = Segment(body, "unattributed");

        Assert.Equal(1, unattributed.Long("customers")); // U1; R comes in 2025
        Assert.Equal(1, unattributed.Long("newCustomers"));
        Assert.Equal(0m, unattributed.Dec("customerEquity"));
        Assert.Equal(JsonValueKind.Null, unattributed.GetProperty("cac").ValueKind);
    }

    [Fact]
    public async Task Segments_by_an_attribute_group_customers_by_its_value()
    {
        var body = await (await _client.GetAsync($"/api/v1/segments?by=attribute:plan&asOf={AsOf}")).JsonAsync();

        Assert.Equal(["pro", "basic", "unknown"], body.GetProperty("segments").EnumerateArray().Select(s => s.GetProperty("key").GetString()));
        Assert.Equal(2, Segment(body, "pro").Long("customers")); // A1, A2
        Assert.Equal(1_200m, Segment(body, "pro").Dec("customerEquity")); // 2 × 600
        Assert.Equal(600m, Segment(body, "basic").Dec("customerEquity")); // A3
        Assert.Equal(110m, Segment(body, "unknown").Dec("customerEquity")); // W1 has no plan
    }

    [Fact]
    public async Task Segments_by_rfm_clv_tier_country_cohort_and_attribute_cover_every_customer()
    {
        foreach (var by in new[] { "rfmSegment", "clvTier", "country", "cohort", "attribute:plan" })
        {
            var body = await (await _client.GetAsync($"/api/v1/segments?by={by}&asOf={AsOf}")).JsonAsync();
            var segments = body.GetProperty("segments").EnumerateArray().ToList();
            Assert.Equal(4, segments.Sum(s => s.Long("customers")));
            Assert.Equal(1_910m, segments.Sum(s => s.Dec("customerEquity")));
            Assert.All(segments, s => Assert.Equal(JsonValueKind.Null, s.GetProperty("spend").ValueKind));
        }

        var cohorts = await (await _client.GetAsync($"/api/v1/segments?by=cohort&asOf={AsOf}")).JsonAsync();
        Assert.Equal(3, Segment(cohorts, "2024-01").Long("customers"));
        Assert.Equal(1, Segment(cohorts, "2024-02").Long("customers"));
    }

    [Fact]
    public async Task Summary_reports_blended_cac_clv_to_cac_payback_and_rates()
    {
        var body = await (await _client.GetAsync($"/api/v1/metrics/summary?asOf={AsOf}")).JsonAsync();

        Assert.Equal(4, body.Long("customers"));
        Assert.Equal(1_910m, body.Dec("netRevenue"));
        Assert.Equal(150m, body.Dec("blendedCac")); // 600 / 4 new customers
        // Mean gross profit of the 4: (3 × 300 + 110) / 4 = 252.5; / 150 = 1.6833.
        Assert.Equal(1.6833m, body.Dec("clvToCac"));
        // Month 1: (3 × 100 + 110) / 4 observed = 102.5; month 2: 300 / 4 = 75, cumulative 177.5 >= 150.
        Assert.Equal(2, body.Long("paybackMonths"));
        Assert.Equal(0.75, body.GetProperty("repeatPurchaseRate").GetDouble()); // 3 of 4 have 2+ purchase days
        // Active in February: A1..A3 and W1; in March: A1..A3 -> 3 / 4.
        Assert.Equal(0.75, body.GetProperty("retentionRate").GetDouble());
        Assert.Equal("weak", body.GetProperty("health").GetProperty("clvToCac").GetString());
    }

    [Fact]
    public async Task Time_series_give_a_point_per_month_per_group()
    {
        var revenue = await (await _client.GetAsync($"/api/v1/metrics/timeseries?metric=netRevenue&period=month&from=2024-01-01&to={AsOf}&asOf={AsOf}")).JsonAsync();
        var points = revenue.GetProperty("series").EnumerateArray().Single().GetProperty("points").EnumerateArray().ToList();

        Assert.Equal(["2024-01", "2024-02", "2024-03"], points.Select(p => p.GetProperty("period").GetString()));
        Assert.Equal([600m, 710m, 600m], points.Select(p => p.Dec("value")));

        var byChannel = await (await _client.GetAsync($"/api/v1/metrics/timeseries?metric=newCustomers&from=2024-01-01&to={AsOf}&asOf={AsOf}&by=acquisitionChannel")).JsonAsync();
        var ads = byChannel.GetProperty("series").EnumerateArray().Single(s => s.GetProperty("key").GetString() == "ads");
        Assert.Equal([3m, 0m, 0m], ads.GetProperty("points").EnumerateArray().Select(p => p.Dec("value")));

        var cac = await (await _client.GetAsync($"/api/v1/metrics/timeseries?metric=cac&from=2024-01-01&to={AsOf}&asOf={AsOf}")).JsonAsync();
        var cacPoints = cac.GetProperty("series")[0].GetProperty("points");
        Assert.Equal(200m, cacPoints[0].Dec("value")); // January: 600 / 3
        Assert.Equal(JsonValueKind.Null, cacPoints[1].GetProperty("value").ValueKind); // February: 1 new customer, no spend recorded
        Assert.Equal(JsonValueKind.Null, cacPoints[2].GetProperty("value").ValueKind); // March: no new customer
    }

    [Fact]
    public async Task Customer_read_carries_rfm_churn_and_trend_and_the_list_filters_at_risk()
    {
        var a1 = await (await _client.GetAsync($"/api/v1/customers/A1?asOf={AsOf}")).JsonAsync();
        Assert.False(a1.GetProperty("churned").GetBoolean());
        Assert.Equal(600m, a1.GetProperty("trend").Dec("last12Months"));
        Assert.Equal(JsonValueKind.Null, a1.GetProperty("trend").GetProperty("change").ValueKind);
        // Recency: A1..A3 bought 21 days ago, W1 45 days ago -> A1 has 1 older buyer of 4: 1 + ⌊5 × 1 / 4⌋ = 2.
        Assert.Equal(2, a1.GetProperty("rfm").Long("recency"));

        // As of 2026-03-31: the last 12 months (2025-04-01..2026-03-31) hold 100, the 12 before 400.
        var r = await (await _client.GetAsync("/api/v1/customers/R?asOf=2026-03-31")).JsonAsync();
        Assert.True(r.GetProperty("trend").GetProperty("atRisk").GetBoolean());
        Assert.Equal(-0.75m, r.GetProperty("trend").Dec("change")); // 100 / 400 − 1

        var atRisk = await (await _client.GetAsync("/api/v1/customers?atRisk=true&asOf=2026-03-31")).JsonAsync();
        Assert.Equal(["R"], atRisk.GetProperty("items").EnumerateArray().Select(c => c.GetProperty("externalId").GetString()));
    }

    [Fact]
    public async Task The_at_risk_list_is_judged_as_of_the_day_asked()
    {
        // As of 2025-03-31 the last 12 months are 2024-04-01..2025-03-31: A1..A3 (600 each) and W1
        // (110) bought only in the 12 before, so spent 0 against them: at risk. R's 400 of 2025-03-01
        // has nothing before it, so R is not.
        var atRisk = await (await _client.GetAsync("/api/v1/customers?atRisk=true&asOf=2025-03-31")).JsonAsync();

        Assert.Equal(["A1", "A2", "A3", "W1"], atRisk.GetProperty("items").EnumerateArray().Select(c => c.GetProperty("externalId").GetString()).Order());
    }

    [Fact]
    public async Task Customer_read_answers_one_csv_row_with_rfm_churn_and_trend()
    {
        var (response, lines) = await CsvAsync($"/api/v1/customers/A1?asOf={AsOf}");
        var row = lines[0].Split(',').Zip(lines[^1].Split(',')).ToDictionary(c => c.First, c => c.Second);

        Assert.Equal("text/csv", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal(2, lines.Length); // header and the customer
        Assert.Equal("A1", row["externalId"]);
        Assert.Equal("ads", row["acquisitionChannel"]);
        Assert.Equal("600", row["historical.netRevenue"]); // 3 × 200 by 2024-03-31
        Assert.Equal("false", row["churned"]);
        Assert.Equal("600", row["trend.last12Months"]);
        Assert.Equal("", row["trend.change"]); // nothing in the 12 months before
        // Of the 4 buyers only W1 is worse on each score (older, 1 purchase day, 110): 1 + ⌊5 × 1 / 4⌋ = 2
        // for R, F and M; the grid's row R = 2, column FM = ⌈(2 + 2) / 2⌉ = 2 is "About to sleep".
        Assert.Equal("222", row["rfm.score"]);
        Assert.Equal("About to sleep", row["rfm.segment"]);
        Assert.Equal("", row["predicted.predictedClv"]); // no model run
    }

    [Fact]
    public async Task Segments_and_time_series_answer_csv()
    {
        var (response, lines) = await CsvAsync($"/api/v1/segments?asOf={AsOf}");

        Assert.Equal("text/csv", response.Content.Headers.ContentType!.MediaType);
        Assert.StartsWith("key,customers,", lines[0], StringComparison.Ordinal);
        Assert.Contains("health.clvToCac", lines[0], StringComparison.Ordinal);
        Assert.Equal(3, lines.Length); // header, ads, web

        var series = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/metrics/timeseries?metric=activeCustomers&from=2024-01-01&to={AsOf}&asOf={AsOf}");
        series.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/csv"));
        var csv = await (await _client.SendAsync(series)).Content.ReadAsStringAsync();
        Assert.Contains("all,2024-03,2024-03-01,2024-03-31,3", csv, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/api/v1/segments?by=planet", "by")]
    [InlineData("/api/v1/segments?period=week", "period")]
    [InlineData("/api/v1/segments?from=2024-02-01&to=2024-01-01", "from")]
    [InlineData("/api/v1/metrics/timeseries", "metric")]
    [InlineData("/api/v1/metrics/timeseries?metric=revenue", "metric")]
    [InlineData("/api/v1/metrics/timeseries?metric=spend&by=country", "by")]
    [InlineData("/api/v1/metrics/timeseries?metric=netRevenue&from=1900-01-01", "from")]
    [InlineData("/api/v1/customers?atRisk=true&asOf=1969-12-31", "asOf")]
    public async Task Bad_parameters_are_400_problems_naming_the_parameter(string path, string parameter)
    {
        var problem = await (await _client.GetAsync(path)).ProblemAsync(HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty(parameter, out _), problem.ToString());
    }

    [Fact]
    public async Task A_new_write_is_seen_by_the_next_read()
    {
        var before = await (await _client.GetAsync("/api/v1/segments?by=country")).JsonAsync();
        (await _client.PostTransactionsAsync(Tx("late-1", "LATE", "2024-06-01T12:00:00Z", amount: 5m))).EnsureSuccessStatusCode();
        var after = await (await _client.GetAsync("/api/v1/segments?by=country")).JsonAsync();

        Assert.Equal(
            before.GetProperty("segments").EnumerateArray().Sum(s => s.Long("customers")) + 1,
            after.GetProperty("segments").EnumerateArray().Sum(s => s.Long("customers")));
    }
}
