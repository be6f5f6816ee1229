using System.Text.Json;
using Clv.Api.Tests.Infrastructure;
using static Clv.Api.Tests.Infrastructure.HttpAssertions;

namespace Clv.Api.Tests.Portfolio;

/// <summary>
/// Segments and time series by quarter and by year across the 2023/2024 boundary, default churn
/// window of 90 days, every customer acquired on their first purchase, no channel:
/// P4 buys 40 on 2023-05-01 and 60 on 2023-10-01; P5 10 on 2023-10-15, 2024-01-05, 2024-03-20 and
/// 2024-04-10; P1 100 on 2023-11-05 and 50 on 2024-02-10; P2 200 on 2023-12-20; P3 80 on
/// 2024-01-15 and 20 on 2024-04-02. Churn days (last purchase + 90): P4 2023-07-30 and 2023-12-30,
/// P1 2024-02-03 (before its 02-10 purchase), P2 2024-03-19; P5's gaps are all under 90 days.
/// </summary>
public sealed class QuarterAndYearTests(ClvApiFactory api) : IClassFixture<ClvApiFactory>, IAsyncLifetime
{
    private const string AsOf = "2024-04-15";
    private readonly HttpClient _client = api.Client();

    public async Task InitializeAsync()
    {
        if (await api.ScalarAsync<long>("SELECT count(*) FROM customers") > 0)
        {
            return;
        }

        (await _client.PostTransactionsAsync(
            Tx("P4-1", "P4", "2023-05-01T12:00:00Z", amount: 40m),
            Tx("P4-2", "P4", "2023-10-01T12:00:00Z", amount: 60m),
            Tx("P5-1", "P5", "2023-10-15T12:00:00Z", amount: 10m),
            Tx("P5-2", "P5", "2024-01-05T12:00:00Z", amount: 10m),
            Tx("P5-3", "P5", "2024-03-20T12:00:00Z", amount: 10m),
            Tx("P5-4", "P5", "2024-04-10T12:00:00Z", amount: 10m),
            Tx("P1-1", "P1", "2023-11-05T12:00:00Z", amount: 100m),
            Tx("P1-2", "P1", "2024-02-10T12:00:00Z", amount: 50m),
            Tx("P2-1", "P2", "2023-12-20T12:00:00Z", amount: 200m),
            Tx("P3-1", "P3", "2024-01-15T12:00:00Z", amount: 80m),
            Tx("P3-2", "P3", "2024-04-02T12:00:00Z", amount: 20m))).EnsureSuccessStatusCode();
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private async Task<List<JsonElement>> PointsAsync(string metric, string period, string from) =>
        (await (await _client.GetAsync($"/api/v1/metrics/timeseries?metric={metric}&period={period}&from={from}&asOf={AsOf}")).JsonAsync())
            .GetProperty("series").EnumerateArray().Single().GetProperty("points").EnumerateArray().ToList();

    private static decimal?[] Values(List<JsonElement> points) =>
        [.. points.Select(p => p.GetProperty("value").ValueKind == JsonValueKind.Null ? (decimal?)null : p.Dec("value"))];

    private async Task<JsonElement> OnlySegmentAsync(string query) =>
        (await (await _client.GetAsync($"/api/v1/segments?{query}")).JsonAsync()).GetProperty("segments").EnumerateArray().Single();

    [Fact]
    public async Task Quarterly_series_count_revenue_activity_and_retention_per_quarter()
    {
        var revenue = await PointsAsync("netRevenue", "quarter", "2023-04-01");
        var active = await PointsAsync("activeCustomers", "quarter", "2023-04-01");
        var retention = await PointsAsync("retentionRate", "quarter", "2023-04-01");

        Assert.Equal(["2023-Q2", "2023-Q3", "2023-Q4", "2024-Q1", "2024-Q2"], revenue.Select(p => p.GetProperty("period").GetString()));
        Assert.Equal("2023-12-31", revenue[2].GetProperty("end").GetString());
        // Q2: 40; Q3: none; Q4: 60 + 10 + 100 + 200; Q1: 10 + 10 + 50 + 80; Q2 up to 04-15: 10 + 20.
        Assert.Equal([40m, 0m, 370m, 150m, 30m], Values(revenue));
        // Q4: P4, P5, P1, P2; Q1: P5, P1, P3; Q2: P5, P3.
        Assert.Equal([1m, 0m, 4m, 3m, 2m], Values(active));
        // Q3: P4 not back, 0 / 1; Q4: nobody active in Q3; across the year: of Q4's 4, P5 and P1
        // bought in Q1, 2 / 4; Q2: of Q1's 3, P5 and P3, 2 / 3.
        Assert.Equal([null, 0m, null, 0.5m, 0.6667m], Values(retention));
    }

    [Fact]
    public async Task Quarterly_churn_counts_those_alive_at_the_quarter_start_who_churned_in_it()
    {
        var churned = await PointsAsync("churnedCustomers", "quarter", "2023-04-01");
        var rate = await PointsAsync("churnRate", "quarter", "2023-04-01");

        // Q2 2023: nobody acquired before it. Q3: P4 (alive on 06-30) churns on 07-30, 1 / 1.
        // Q4: only P4 was acquired before it, churned at its start; its second churn (12-30) is not counted.
        // Q1 2024: alive on 12-31 P5, P1, P2 (P4 churned 12-30); P1 and P2 churn in it, 2 / 3.
        // Q2 2024 up to 04-15: alive on 03-31 P5, P1, P3; none churns (P3's 04-02 purchase comes before 04-14), 0 / 3.
        Assert.Equal([0m, 1m, 0m, 2m, 0m], Values(churned));
        Assert.Equal([null, 1m, null, 0.6667m, 0m], Values(rate));
    }

    [Fact]
    public async Task Yearly_series_put_2023_and_2024_on_either_side_of_the_boundary()
    {
        var revenue = await PointsAsync("netRevenue", "year", "2023-06-01");
        var newCustomers = await PointsAsync("newCustomers", "year", "2023-06-01");
        var retention = await PointsAsync("retentionRate", "year", "2023-06-01");
        var churnRate = await PointsAsync("churnRate", "year", "2023-06-01");

        Assert.Equal(["2023", "2024"], revenue.Select(p => p.GetProperty("period").GetString()));
        Assert.Equal("2023-01-01", revenue[0].GetProperty("start").GetString());
        Assert.Equal([410m, 180m], Values(revenue)); // 40 + 370; 150 + 30
        Assert.Equal([4m, 1m], Values(newCustomers)); // P4, P5, P1, P2; P3
        Assert.Equal([null, 0.5m], Values(retention)); // of 2023's P4, P5, P1, P2: P5 and P1 bought in 2024
        Assert.Equal([null, 0.6667m], Values(churnRate)); // as Q1 2024: P1 and P2 of P5, P1, P2
    }

    [Fact]
    public async Task Quarterly_segments_measure_the_last_complete_quarter()
    {
        var all = await OnlySegmentAsync($"period=quarter&asOf={AsOf}");

        // The last complete quarter on or before 2024-04-15 is 2024-Q1.
        Assert.Equal("quarter", (await (await _client.GetAsync($"/api/v1/segments?period=quarter&asOf={AsOf}")).JsonAsync()).GetProperty("period").GetString());
        Assert.Equal(3, all.Long("activeCustomers")); // P5, P1, P3
        Assert.Equal(0.5, all.GetProperty("retentionRate").GetDouble()); // 2 of Q4's 4
        Assert.Equal(0.5, all.GetProperty("periodChurnRate").GetDouble());
        Assert.Equal(2.0 / 3, all.GetProperty("churnRate").GetDouble(), 12);
        // Churned at 04-15: P4 (last 2023-10-01) and P2 (2023-12-20, 117 days); P1's 2024-02-10 is 65 days back.
        Assert.Equal(2, all.Long("churnedCustomers"));
    }

    [Fact]
    public async Task Yearly_segments_measure_the_last_complete_year()
    {
        // On 2024-04-15 the last complete year is 2023; nobody was active in 2022 or acquired before 2023.
        var april = await OnlySegmentAsync($"period=year&asOf={AsOf}");
        // On 2024-12-31, 2024 is complete: P5 churns on 07-09 (04-10 + 90), so P5, P1 and P2 all did.
        var december = await OnlySegmentAsync("period=year&asOf=2024-12-31");

        Assert.Equal(4, april.Long("activeCustomers"));
        Assert.Equal(JsonValueKind.Null, april.GetProperty("retentionRate").ValueKind);
        Assert.Equal(JsonValueKind.Null, april.GetProperty("churnRate").ValueKind);
        Assert.Equal(3, december.Long("activeCustomers")); // P5, P1, P3
        Assert.Equal(0.5, december.GetProperty("retentionRate").GetDouble());
        Assert.Equal(1.0, december.GetProperty("churnRate").GetDouble());
    }

    [Fact]
    public async Task Cohort_segments_group_by_acquisition_quarter_or_year()
    {
        var quarters = (await (await _client.GetAsync($"/api/v1/segments?by=cohort&period=quarter&asOf={AsOf}")).JsonAsync()).GetProperty("segments");
        var years = (await (await _client.GetAsync($"/api/v1/segments?by=cohort&period=year&asOf={AsOf}")).JsonAsync()).GetProperty("segments");

        Assert.Equal(
            [("2023-Q4", 3L), ("2023-Q2", 1L), ("2024-Q1", 1L)],
            quarters.EnumerateArray().Select(s => (s.GetProperty("key").GetString()!, s.Long("customers"))));
        Assert.Equal([("2023", 4L), ("2024", 1L)], years.EnumerateArray().Select(s => (s.GetProperty("key").GetString()!, s.Long("customers"))));
    }
}
