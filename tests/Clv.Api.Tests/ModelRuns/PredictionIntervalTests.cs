using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Clv.Api.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Clv.Api.Tests.ModelRuns;

/// <summary>
/// Issue 14, section 4, through the API: a run on the CDNOW sample gives each customer intervals around its figures
/// and the summary and segments intervals of predicted customer equity, the same seed gives the same intervals, CSV
/// has the _lo and _hi columns, and a run with no draws has none.
/// </summary>
public sealed class PredictionIntervalTests(ClvApiFactory api, ITestOutputHelper output) : IClassFixture<ClvApiFactory>, IAsyncLifetime
{
    private readonly HttpClient _client = api.Client();

    public async Task InitializeAsync()
    {
        await CdnowSample.ImportOnceAsync(api, _client);

        // Two channels, so that segments by channel are not the whole portfolio.
        var customers = CdnowSample.Purchases.Select(p => p.Customer).Distinct().Order(StringComparer.Ordinal)
            .Select((c, i) => (object)new { externalId = c, acquisitionChannel = i % 2 == 0 ? "email" : "search" })
            .ToArray();
        (await _client.PostCustomersAsync(customers)).EnsureSuccessStatusCode();
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Each_customer_gets_intervals_at_the_level_around_its_figures()
    {
        var run = await StartAsync(seed: 7);

        var page = await CustomersAsync();
        output.WriteLine($"CDNOW sample run, stage timings (s): {run.GetProperty("timings")}");

        Assert.Equal(0.9, run.GetProperty("options").GetProperty("intervalLevel").GetDouble());
        Assert.Equal(200, run.GetProperty("options").GetProperty("intervalDraws").GetInt32());
        foreach (var predicted in page)
        {
            var intervals = predicted.GetProperty("intervals");
            Assert.Equal(0.9, intervals.GetProperty("level").GetDouble());
            foreach (var figure in new[] { "predictedClv", "expectedPurchases", "probabilityAlive" })
            {
                var (lo, hi) = Ends(intervals.GetProperty(figure));
                var point = predicted.GetProperty(figure).GetDouble();
                Assert.True(lo <= point && point <= hi, $"{figure}: {point} outside [{lo}, {hi}] for {predicted}");
                // A figure that is 0 in every draw (a CLV of 0) or certain (P(alive) = 1 at x = 0) has an empty interval.
                Assert.True(lo < hi || point == 0 || figure == "probabilityAlive", $"{figure}: an empty interval [{lo}, {hi}]");
            }
        }
    }

    [Fact]
    public async Task A_customer_without_repeat_purchases_is_alive_in_every_draw()
    {
        // BG/NBD: a customer drops out only after a repeat purchase, so P(alive | x = 0) = 1 whatever the parameters.
        await StartAsync(seed: 7);

        var once = (await CustomersAsync("asc")).First(p => p.GetProperty("frequency").GetDouble() == 0);

        Assert.Equal((1.0, 1.0), Ends(once.GetProperty("intervals").GetProperty("probabilityAlive")));
    }

    [Fact]
    public async Task The_same_seed_gives_the_same_intervals()
    {
        await StartAsync(seed: 11);
        var first = (await CustomersAsync(), await SummaryAsync(), await SegmentsAsync("acquisitionChannel"));

        await StartAsync(seed: 11);
        var second = (await CustomersAsync(), await SummaryAsync(), await SegmentsAsync("acquisitionChannel"));
        await StartAsync(seed: 12);
        var other = await SummaryAsync();

        Assert.Equal(first.Item1.Select(Intervals), second.Item1.Select(Intervals));
        Assert.Equal(EquityInterval(first.Item2), EquityInterval(second.Item2));
        Assert.Equal(first.Item3.Select(EquityInterval), second.Item3.Select(EquityInterval));
        Assert.NotEqual(EquityInterval(first.Item2), EquityInterval(other));
    }

    [Fact]
    public async Task The_summary_and_the_channel_segments_have_intervals_around_predicted_customer_equity()
    {
        await StartAsync(seed: 7);

        var summary = await SummaryAsync();
        var segments = await SegmentsAsync("acquisitionChannel");
        var cohorts = await SegmentsAsync("cohort");

        AssertAround(summary);
        Assert.Equal(["email", "search"], segments.Select(s => s.GetProperty("key").GetString()).Order(StringComparer.Ordinal));
        Assert.All(segments, AssertAround);
        // Each channel's interval is narrower than the whole portfolio's, which it is part of.
        Assert.All(segments, s => Assert.True(Width(s) < Width(summary), s.ToString()));
        Assert.All(cohorts, s => Assert.Equal(JsonValueKind.Null, s.GetProperty("predictedCustomerEquityInterval").ValueKind));
    }

    [Fact]
    public async Task Csv_answers_carry_lo_and_hi_columns()
    {
        await StartAsync(seed: 7);

        var customers = await CsvAsync("/api/v1/customers?pageSize=5");
        var summary = await CsvAsync("/api/v1/metrics/summary");
        var segments = await CsvAsync("/api/v1/segments?by=acquisitionChannel");

        Assert.Subset(customers[0].ToHashSet(), new HashSet<string>
        {
            "predicted.intervals.level", "predicted.intervals.predictedClv_lo", "predicted.intervals.predictedClv_hi",
            "predicted.intervals.expectedPurchases_lo", "predicted.intervals.expectedPurchases_hi",
            "predicted.intervals.probabilityAlive_lo", "predicted.intervals.probabilityAlive_hi",
        });
        foreach (var table in new[] { summary, segments })
        {
            var lo = Array.IndexOf(table[0], "predictedCustomerEquity_lo");
            var point = Array.IndexOf(table[0], "predictedCustomerEquity");
            var hi = Array.IndexOf(table[0], "predictedCustomerEquity_hi");
            Assert.All(table.Skip(1), row => Assert.True(
                decimal.Parse(row[lo], System.Globalization.CultureInfo.InvariantCulture) <= decimal.Parse(row[point], System.Globalization.CultureInfo.InvariantCulture)
                && decimal.Parse(row[point], System.Globalization.CultureInfo.InvariantCulture) <= decimal.Parse(row[hi], System.Globalization.CultureInfo.InvariantCulture),
                string.Join(',', row)));
        }
    }

    [Fact]
    public async Task A_run_with_no_draws_has_no_intervals()
    {
        var run = await StartAsync(seed: 7, draws: 0);

        var predicted = (await CustomersAsync())[0];
        var summary = await SummaryAsync();
        var segment = (await SegmentsAsync("acquisitionChannel"))[0];

        Assert.Equal(0, run.GetProperty("options").GetProperty("intervalDraws").GetInt32());
        Assert.Equal(JsonValueKind.Null, predicted.GetProperty("intervals").ValueKind);
        Assert.Equal(JsonValueKind.Null, summary.GetProperty("predictedCustomerEquityInterval").ValueKind);
        Assert.Equal(JsonValueKind.Null, segment.GetProperty("predictedCustomerEquityInterval").ValueKind);
        Assert.False(run.GetProperty("timings").TryGetProperty("intervals", out _));
    }

    [Theory]
    [InlineData("intervalLevel", 1.5)]
    [InlineData("intervalLevel", 0.2)]
    [InlineData("intervalDraws", 2001)]
    [InlineData("intervalDraws", -1)]
    [InlineData("intervalSeed", -3)]
    public async Task Out_of_range_interval_options_are_refused_naming_the_option(string option, double value)
    {
        var body = new Dictionary<string, object> { ["asOf"] = "1998-06-30", [option] = value };

        var problem = await (await _client.PostAsJsonAsync("/api/v1/model-runs", body)).ProblemAsync(HttpStatusCode.BadRequest);

        Assert.True(problem.GetProperty("errors").TryGetProperty(option, out _), problem.ToString());
    }

    [Fact]
    public async Task An_sbg_run_refuses_interval_options()
    {
        var problem = await (await _client.PostAsJsonAsync("/api/v1/model-runs", new { models = new[] { "sbg" }, intervalDraws = 100 }))
            .ProblemAsync(HttpStatusCode.BadRequest);

        Assert.True(problem.GetProperty("errors").TryGetProperty("intervalDraws", out _), problem.ToString());
    }

    private async Task<JsonElement> StartAsync(int seed, int draws = 200)
    {
        var run = await ModelRunTests.StartAndWaitAsync(_client, new { asOf = "1998-06-30", timeUnit = "weeks", intervalSeed = seed, intervalDraws = draws });
        Assert.Equal("succeeded", run.GetProperty("status").GetString());
        Assert.Equal(seed, run.GetProperty("options").GetProperty("intervalSeed").GetInt32());
        return run;
    }

    private async Task<List<JsonElement>> CustomersAsync(string direction = "desc") =>
        [.. (await (await _client.GetAsync($"/api/v1/customers?pageSize=200&direction={direction}")).JsonAsync()).GetProperty("items").EnumerateArray()
            .Where(c => c.GetProperty("predicted").ValueKind == JsonValueKind.Object)
            .Select(c => c.GetProperty("predicted"))];

    private async Task<JsonElement> SummaryAsync() => await (await _client.GetAsync("/api/v1/metrics/summary")).JsonAsync();

    private async Task<List<JsonElement>> SegmentsAsync(string by) =>
        [.. (await (await _client.GetAsync($"/api/v1/segments?by={by}")).JsonAsync()).GetProperty("segments").EnumerateArray()];

    private async Task<string[][]> CsvAsync(string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Accept.ParseAdd("text/csv");
        var response = await _client.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return [.. (await response.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Select(line => line.Split(','))];
    }

    private static (double Lo, double Hi) Ends(JsonElement interval) => (interval[0].GetDouble(), interval[1].GetDouble());

    private static string Intervals(JsonElement predicted) => predicted.GetProperty("intervals").GetRawText();

    private static string EquityInterval(JsonElement figures) => figures.GetProperty("predictedCustomerEquityInterval").GetRawText();

    private static double Width(JsonElement figures)
    {
        var (lo, hi) = Ends(figures.GetProperty("predictedCustomerEquityInterval"));
        return hi - lo;
    }

    private static void AssertAround(JsonElement figures)
    {
        var (lo, hi) = Ends(figures.GetProperty("predictedCustomerEquityInterval"));
        var point = figures.GetProperty("predictedCustomerEquity").GetDouble();
        Assert.True(lo <= point && point <= hi, $"{point} outside [{lo}, {hi}]: {figures}");
    }
}
