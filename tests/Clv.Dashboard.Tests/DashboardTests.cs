using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Clv.Dashboard.Tests.Infrastructure;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;

namespace Clv.Dashboard.Tests;

/// <summary>
/// The dashboard in Chromium against the real API and PostgreSQL (the CDNOW sample, three
/// channels with spend, a model run and a newer one with a holdout). Every expected figure is the API's own
/// answer, fetched by the test with the same key.
/// </summary>
[Collection(SharedDashboardSite.Name)]
public sealed partial class DashboardTests(DashboardSite site)
{
    private enum Kind { Count, Money, Rate, Ratio, Months }

    private static readonly (string Kpi, Kind Kind)[] Kpis =
    [
        ("customers", Kind.Count), ("netRevenue", Kind.Money), ("customerEquity", Kind.Money),
        ("averageHistoricalClv", Kind.Money), ("averagePredictedClv", Kind.Money), ("repeatPurchaseRate", Kind.Rate),
        ("retentionRate", Kind.Rate), ("churnRate", Kind.Rate), ("blendedCac", Kind.Money), ("clvToCac", Kind.Ratio),
        ("paybackMonths", Kind.Months),
    ];

    [Fact]
    public async Task Every_tile_shows_the_number_the_summary_returns()
    {
        await using var tab = await site.OpenAsync();
        var summary = await site.GetAsync($"/api/v1/metrics/summary?asOf={await tab.AsOfAsync()}");

        Assert.Equal(Kpis.Length, await tab.Page.Locator(".tile").CountAsync());
        foreach (var (kpi, kind) in Kpis)
        {
            var tile = tab.Page.Locator($".tile[data-kpi='{kpi}']");
            var shown = await tile.Locator(".value").InnerTextAsync();
            var expected = summary.GetProperty(kpi);
            Assert.True(expected.ValueKind == JsonValueKind.Number, $"{kpi} is {expected} in the test data; the test needs a number");
            var value = expected.GetDecimal();
            Assert.Equal(value, decimal.Parse(await tile.GetAttributeAsync("data-value") ?? "", CultureInfo.InvariantCulture));
            // The figure as a reader sees it: percentages to 0.1 point, money and ratios to 2 places, counts whole.
            var (scale, places) = kind switch { Kind.Rate => (100m, 1), Kind.Money or Kind.Ratio => (1m, 2), _ => (1m, 0) };
            Assert.True(Math.Round(value * scale, places, MidpointRounding.AwayFromZero) == Shown(shown), $"{kpi}: the API says {value}, the tile shows {shown}");
        }
    }

    [Fact]
    public async Task Ratio_tiles_are_coloured_by_the_health_band_the_api_gives()
    {
        await using var tab = await site.OpenAsync();
        var health = (await site.GetAsync($"/api/v1/metrics/summary?asOf={await tab.AsOfAsync()}")).GetProperty("health");

        foreach (var (kpi, band) in new[] { ("clvToCac", "clvToCac"), ("paybackMonths", "payback") })
        {
            var expected = health.GetProperty(band).GetString();
            Assert.False(string.IsNullOrEmpty(expected), $"health.{band} is null in the test data; the test needs a band");
            Assert.Contains($"band-{expected}", (await tab.Page.Locator($".tile[data-kpi='{kpi}']").GetAttributeAsync("class"))!.Split(' '));
        }
    }

    [Fact]
    public async Task Heatmap_has_a_row_per_cohort_and_its_first_cells_equal_the_cohorts_endpoint()
    {
        await using var tab = await site.OpenAsync();
        var cohorts = (await site.GetAsync($"/api/v1/cohorts?period=month&asOf={await tab.AsOfAsync()}")).GetProperty("cohorts").EnumerateArray().ToList();
        var heatmap = await HeatmapAsync(tab);

        Assert.Equal(cohorts.Select(c => c.GetProperty("cohort").GetString()), heatmap.Rows);
        for (var row = 0; row < cohorts.Count; row++)
        {
            var retention = cohorts[row].GetProperty("retention")[0].GetDouble();
            Assert.Equal(Math.Round(retention * 100, 1), heatmap.Cells.Single(c => c[0] == 0 && (int)c[1] == row)[2], 6);
        }

        Assert.Equal(cohorts.Count, await tab.Page.Locator("#cohorts-table tbody tr").CountAsync());
    }

    [Fact]
    public async Task Changing_the_period_or_the_as_of_date_changes_the_requests_and_the_figures()
    {
        await using var tab = await site.OpenAsync();
        var before = await tab.Page.Locator(".tile[data-kpi='netRevenue']").GetAttributeAsync("data-value");
        Assert.Contains(tab.ApiRequests, r => r.StartsWith("/api/v1/cohorts?", StringComparison.Ordinal) && r.Contains("period=month", StringComparison.Ordinal));

        tab.ApiRequests.Clear();
        await tab.Page.SelectOptionAsync("#period", "quarter");
        await tab.UntilReadyAsync(2);
        Assert.Contains(tab.ApiRequests, r => r.StartsWith("/api/v1/cohorts?", StringComparison.Ordinal) && r.Contains("period=quarter", StringComparison.Ordinal));
        Assert.Contains(tab.ApiRequests, r => r.StartsWith("/api/v1/metrics/timeseries?", StringComparison.Ordinal) && r.Contains("period=quarter", StringComparison.Ordinal));
        Assert.DoesNotContain(tab.ApiRequests, r => r.Contains("period=month", StringComparison.Ordinal));
        var quarters = (await site.GetAsync($"/api/v1/cohorts?period=quarter&asOf={await tab.AsOfAsync()}")).GetProperty("cohorts").EnumerateArray().Select(c => c.GetProperty("cohort").GetString());
        Assert.Equal(quarters, (await HeatmapAsync(tab)).Rows);

        tab.ApiRequests.Clear();
        await tab.Page.FillAsync("#as-of", "1997-06-30");
        await tab.UntilReadyAsync(3);
        var summaries = tab.ApiRequests.Where(r => r.StartsWith("/api/v1/metrics/summary", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(summaries);
        Assert.All(summaries, r => Assert.Contains("asOf=1997-06-30", r, StringComparison.Ordinal));
        var expected = (await site.GetAsync("/api/v1/metrics/summary?asOf=1997-06-30")).GetProperty("netRevenue").GetDecimal();
        var after = await tab.Page.Locator(".tile[data-kpi='netRevenue']").GetAttributeAsync("data-value");
        Assert.Equal(expected, decimal.Parse(after!, CultureInfo.InvariantCulture));
        Assert.NotEqual(before, after);
    }

    [Fact]
    public async Task The_page_logs_no_console_errors_while_loading_changing_and_opening_a_customer()
    {
        await using var tab = await site.OpenAsync();
        await tab.Page.CheckAsync("#per-channel");
        await tab.UntilReadyAsync(2);
        await tab.Page.Locator("#at-risk tbody tr").First.ClickAsync();
        await tab.Page.Locator("#customer-body dl").WaitForAsync();

        Assert.Empty(tab.Errors);
    }

    [Fact]
    public async Task Axe_finds_no_serious_or_critical_violations()
    {
        await using var tab = await site.OpenAsync();
        await tab.Page.Locator("#cohorts-table summary").ClickAsync(); // the cohort table too
        var result = await tab.Page.RunAxe();

        var bad = result.Violations.Where(v => v.Impact is "serious" or "critical").ToList();
        Assert.True(bad.Count == 0, string.Join(Environment.NewLine, bad.Select(v =>
            $"{v.Impact} {v.Id}: {v.Help} at {string.Join(", ", v.Nodes.Take(3).Select(n => n.Target))}")));
    }

    [Theory]
    [InlineData(1280)]
    [InlineData(390)]
    public async Task The_layout_fits_the_width_and_shows_every_widget(int width)
    {
        await using var tab = await site.OpenAsync(width);

        var overflow = await tab.Page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - window.innerWidth");
        Assert.True(overflow <= 0, $"the page is {overflow} px wider than the {width} px window");
        var cards = tab.Page.Locator("main > section");
        Assert.Equal(7, await cards.CountAsync());
        for (var i = 0; i < await cards.CountAsync(); i++)
        {
            var box = await cards.Nth(i).BoundingBoxAsync();
            Assert.True(box is { Width: > 0, Height: > 0 } && box.X >= 0 && box.X + box.Width <= width,
                $"section {i} lies at {box?.X}..{box?.X + box?.Width} in a {width} px window");
        }

        foreach (var chart in new[] { "heatmap", "clv-curves", "channels-chart", "series-netRevenue", "tier-chart", "rfm-chart", "holdout-chart" })
        {
            var drawing = await tab.Page.Locator($"#{chart} svg").First.BoundingBoxAsync();
            Assert.True(drawing is { Width: > 100, Height: > 100 } && drawing.X + drawing.Width <= width, $"#{chart} is not drawn within the window");
        }

        await Screenshots.SaveAsync(tab.Page, $"dashboard-{width}.png");
    }

    [Fact]
    public async Task At_risk_table_lists_the_api_s_at_risk_customers_by_clv_and_a_row_opens_the_customer()
    {
        await using var tab = await site.OpenAsync();
        var list = await site.GetAsync($"/api/v1/customers?atRisk=true&asOf={await tab.AsOfAsync()}&sort=predictedClv&direction=desc&pageSize=10");
        var expected = list.GetProperty("items").EnumerateArray().Select(c => c.GetProperty("externalId").GetString()!).ToList();
        Assert.NotEmpty(expected);

        Assert.Equal(expected, await tab.Page.Locator("#at-risk tbody tr td:first-child").AllInnerTextsAsync());
        await tab.Page.Locator("#at-risk tbody tr").First.ClickAsync();
        await Assertions.Expect(tab.Page.Locator("#customer-dialog")).ToBeVisibleAsync();
        await Assertions.Expect(tab.Page.Locator("#customer-title")).ToHaveTextAsync($"Customer {expected[0]}");
        await Assertions.Expect(tab.Page.Locator("#customer-body dl")).ToContainTextAsync("P(alive)");
    }

    [Fact]
    public async Task Csv_buttons_save_the_api_s_csv_and_the_holdout_table()
    {
        await using var tab = await site.OpenAsync();
        var channels = (await site.GetAsync($"/api/v1/segments?by=acquisitionChannel&asOf={await tab.AsOfAsync()}")).GetProperty("segments").GetArrayLength();
        var run = (await site.GetAsync("/api/v1/model-runs")).EnumerateArray().First();
        var buckets = run.GetProperty("holdout").GetProperty("byFrequency").GetArrayLength();

        var channelCsv = await DownloadAsync(tab, "Download CSV of Channels");
        Assert.StartsWith("key,", channelCsv[0], StringComparison.Ordinal);
        Assert.Equal(channels + 1, channelCsv.Length);
        var holdoutCsv = await DownloadAsync(tab, "Download CSV of Holdout");
        Assert.Equal("frequency,customers,predicted,actual", holdoutCsv[0]);
        Assert.Equal(buckets + 1, holdoutCsv.Length);
    }

    [Fact]
    public async Task The_key_is_kept_in_session_storage_and_sent_as_a_header_never_in_a_url()
    {
        await using var tab = await site.OpenAsync();
        var headers = await tab.Page.RunAndWaitForRequestAsync(
            () => tab.Page.SelectOptionAsync("#period", "quarter"),
            r => r.Url.Contains("/api/v1/metrics/summary", StringComparison.Ordinal));

        Assert.Equal(site.ReadKey, await tab.Page.EvaluateAsync<string>("() => sessionStorage.getItem('clv.apiKey')"));
        Assert.Equal(site.ReadKey, await headers.HeaderValueAsync("x-api-key"));
        Assert.DoesNotContain(site.ReadKey, tab.Page.Url, StringComparison.Ordinal);
        Assert.DoesNotContain(tab.ApiRequests, r => r.Contains(site.ReadKey, StringComparison.Ordinal));
        Assert.Equal(0, await tab.Page.EvaluateAsync<int>("() => localStorage.length"));
    }

    private sealed record Heatmap(List<string?> Rows, List<double[]> Cells);

    private static async Task<Heatmap> HeatmapAsync(DashboardPage tab)
    {
        var option = await tab.Page.EvaluateAsync<JsonElement>(
            "() => { const o = window.clvCharts.get('heatmap').getOption(); return { rows: o.yAxis[0].data, cells: o.series[0].data }; }");
        return new Heatmap(
            option.GetProperty("rows").EnumerateArray().Select(r => r.GetString()).ToList(),
            option.GetProperty("cells").EnumerateArray().Select(c => c.EnumerateArray().Select(v => v.GetDouble()).ToArray()).ToList());
    }

    private static async Task<string[]> DownloadAsync(DashboardPage tab, string button)
    {
        var download = await tab.Page.RunAndWaitForDownloadAsync(() => tab.Page.GetByRole(AriaRole.Button, new() { Name = button }).ClickAsync());
        var path = await download.PathAsync();
        return (await File.ReadAllLinesAsync(path)).Where(l => l.Length > 0).ToArray();
    }

    /// <summary>The number in a tile's text: "$1,234.50" → 1234.50, "12.5%" → 12.5, "3.20×" → 3.20, "7 mo" → 7.</summary>
    private static decimal Shown(string text) =>
        decimal.Parse(NotANumber().Replace(text, ""), NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture);

    [GeneratedRegex(@"[^0-9.\-]")]
    private static partial Regex NotANumber();
}
