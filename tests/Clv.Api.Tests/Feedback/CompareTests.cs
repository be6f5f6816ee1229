using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Clv.Api.Tests.Infrastructure;
using MathNet.Numerics.Distributions;
using static Clv.Api.Tests.Infrastructure.HttpAssertions;

namespace Clv.Api.Tests.Feedback;

/// <summary>
/// GET /api/v1/compare on hand-built groups (attribute arm): Welch's t on historical CLV, the
/// two-proportion z-test on retention, and the errors. Expected values are the issue's and hand
/// computations; MathNet's distributions give the quantiles and tails of those hand computations.
/// </summary>
public sealed class CompareTests(ClvApiFactory api) : IClassFixture<ClvApiFactory>, IAsyncLifetime
{
    private readonly HttpClient _client = api.Client();

    public async Task InitializeAsync()
    {
        if (await api.ScalarAsync<long>("SELECT count(*) FROM customers") > 0)
        {
            return;
        }

        // Welch: control CLVs 20.3, 22.1, 21.9; treatment 18.9, 20.3, 19.0.
        var customers = new List<object>();
        var transactions = new List<object>();
        void Add(string id, string arm, string acquiredAt, params (string Day, decimal Amount)[] buys)
        {
            customers.Add(new { externalId = id, acquiredAt, attributes = new { arm } });
            transactions.AddRange(buys.Select((b, i) => Tx($"{id}-{i}", id, $"{b.Day}T12:00:00Z", amount: b.Amount)));
        }

        foreach (var (amount, i) in new[] { 20.3m, 22.1m, 21.9m }.Select((a, i) => (a, i)))
        {
            Add($"wc-{i}", "control", "2024-01-02T00:00:00Z", ("2024-01-10", amount));
        }

        foreach (var (amount, i) in new[] { 18.9m, 20.3m, 19.0m }.Select((a, i) => (a, i)))
        {
            Add($"wt-{i}", "treatment", "2024-01-02T00:00:00Z", ("2024-01-10", amount));
        }

        // Retention (as of 2024-03-31: March, of February's actives): cohort old, 5 active in
        // February, 2 of them again in March; cohort new, 6 active in February, 5 again in March.
        // One more customer of each bought in January only: not active in February, not counted.
        for (var i = 0; i < 5; i++)
        {
            Add($"ro-{i}", "old", "2024-01-02T00:00:00Z", i < 2 ? [("2024-02-05", 10m), ("2024-03-05", 10m)] : [("2024-02-05", 10m)]);
        }

        for (var i = 0; i < 6; i++)
        {
            Add($"rn-{i}", "new", "2024-01-02T00:00:00Z", i < 5 ? [("2024-02-06", 10m), ("2024-03-06", 10m)] : [("2024-02-06", 10m)]);
        }

        Add("ro-jan", "old", "2024-01-02T00:00:00Z", ("2024-01-05", 10m));
        Add("rn-jan", "new", "2024-01-02T00:00:00Z", ("2024-01-05", 10m));
        (await _client.PostCustomersAsync([.. customers])).EnsureSuccessStatusCode();
        (await _client.PostTransactionsAsync([.. transactions])).EnsureSuccessStatusCode();
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private async Task<JsonElement> CompareAsync(string query) =>
        await (await _client.GetAsync("/api/v1/compare?by=attribute:arm&" + query)).JsonAsync();

    [Fact]
    public async Task Welch_t_on_historical_clv_gives_the_issue_s_t_and_p_and_the_hand_computed_interval()
    {
        var body = await CompareAsync("a=control&b=treatment&metric=historicalClv");

        // By hand: means 21.4333 and 19.4; sample variances 0.97333 and 0.61; SE² = (0.97333 + 0.61)/3.
        var (meanA, meanB) = ((20.3 + 22.1 + 21.9) / 3, (18.9 + 20.3 + 19.0) / 3);
        double Variance(double[] x, double mean) => x.Sum(v => (v - mean) * (v - mean)) / (x.Length - 1);
        var (va, vb) = (Variance([20.3, 22.1, 21.9], meanA) / 3, Variance([18.9, 20.3, 19.0], meanB) / 3);
        var se = Math.Sqrt(va + vb);
        var nu = (va + vb) * (va + vb) / ((va * va / 2) + (vb * vb / 2));
        var critical = StudentT.InvCDF(0, 1, nu, 0.975);
        Assert.Equal("welch-t", body.GetProperty("method").GetString());
        Assert.Equal(2.79887, Math.Abs(body.GetProperty("statistic").GetDouble()), 5);
        Assert.Equal(0.05181, body.GetProperty("pValue").GetDouble(), 5);
        Assert.Equal(nu, body.GetProperty("degreesOfFreedom").GetDouble(), 6);
        Assert.Equal(meanB - meanA, body.GetProperty("difference").GetDouble(), 9);
        Assert.Equal(meanB - meanA - (critical * se), body.GetProperty("differenceInterval").GetProperty("lower").GetDouble(), 4);
        Assert.Equal(meanB - meanA + (critical * se), body.GetProperty("differenceInterval").GetProperty("upper").GetDouble(), 4);
        // docs/metrics.md's worked numbers: [−4.0930, 0.0263].
        Assert.Equal(-4.0930, body.GetProperty("differenceInterval").GetProperty("lower").GetDouble(), 3);
        Assert.Equal(0.0263, body.GetProperty("differenceInterval").GetProperty("upper").GetDouble(), 3);
        Assert.Equal((3L, 3L), (body.GetProperty("a").Long("n"), body.GetProperty("b").Long("n")));
        Assert.Equal(0.95, body.GetProperty("level").GetDouble());
    }

    [Fact]
    public async Task The_relative_lift_interval_is_the_delta_method_s()
    {
        var body = await CompareAsync("a=control&b=treatment&metric=historicalClv&level=0.9");

        // R = b/a, Var(R) ≈ Var(b)/a² + b² Var(a)/a⁴, interval (R − 1) ± z(0.95) √Var(R).
        double[] a = [20.3, 22.1, 21.9], b = [18.9, 20.3, 19.0];
        var (meanA, meanB) = (a.Average(), b.Average());
        var va = a.Sum(x => (x - meanA) * (x - meanA)) / 2 / 3;
        var vb = b.Sum(x => (x - meanB) * (x - meanB)) / 2 / 3;
        var sd = Math.Sqrt((vb / (meanA * meanA)) + (meanB * meanB * va / Math.Pow(meanA, 4)));
        var z = Normal.InvCDF(0, 1, 0.95);
        Assert.Equal(meanB / meanA - 1, body.GetProperty("relativeLift").GetDouble(), 9);
        Assert.Equal(meanB / meanA - 1 - (z * sd), body.GetProperty("relativeLiftInterval").GetProperty("lower").GetDouble(), 4);
        Assert.Equal(meanB / meanA - 1 + (z * sd), body.GetProperty("relativeLiftInterval").GetProperty("upper").GetDouble(), 4);
    }

    [Fact]
    public async Task A_retention_difference_between_two_cohorts_matches_the_two_proportion_z_test_worked_by_hand()
    {
        var body = await CompareAsync("a=old&b=new&metric=retained&asOf=2024-03-31");

        // 2 of 5 against 5 of 6. Pooled p = 7/11; SE₀ = √(p(1 − p)(1/5 + 1/6)); z = (5/6 − 2/5)/SE₀.
        var (pa, pb, pooled) = (2.0 / 5, 5.0 / 6, 7.0 / 11);
        var z = (pb - pa) / Math.Sqrt(pooled * (1 - pooled) * ((1.0 / 5) + (1.0 / 6)));
        var p = 2 * (1 - Normal.CDF(0, 1, z));
        var se = Math.Sqrt((pa * (1 - pa) / 5) + (pb * (1 - pb) / 6));
        Assert.Equal("two-proportion-z", body.GetProperty("method").GetString());
        Assert.Equal((5L, 0.4), (body.GetProperty("a").Long("n"), body.GetProperty("a").GetProperty("mean").GetDouble()));
        Assert.Equal(6L, body.GetProperty("b").Long("n"));
        Assert.Equal(5.0 / 6, body.GetProperty("b").GetProperty("mean").GetDouble(), 12);
        Assert.Equal(z, body.GetProperty("statistic").GetDouble(), 9);
        Assert.Equal(p, body.GetProperty("pValue").GetDouble(), 9);
        Assert.Equal(se, body.GetProperty("standardError").GetDouble(), 12);
        Assert.Equal(pb - pa - (1.959963984540054 * se), body.GetProperty("differenceInterval").GetProperty("lower").GetDouble(), 9);
        Assert.Equal(Math.Min(1, pb - pa + (1.959963984540054 * se)), body.GetProperty("differenceInterval").GetProperty("upper").GetDouble(), 9);
    }

    [Fact]
    public async Task A_rate_s_group_mean_is_the_segment_s_figure_for_the_same_customers()
    {
        var compare = await CompareAsync("a=old&b=new&metric=retained&asOf=2024-03-31");
        var segments = (await (await _client.GetAsync("/api/v1/segments?by=attribute:arm&asOf=2024-03-31")).JsonAsync()).GetProperty("segments").EnumerateArray()
            .ToDictionary(s => s.GetProperty("key").GetString()!);

        Assert.Equal((double)segments["old"].Dec("retentionRate"), compare.GetProperty("a").GetProperty("mean").GetDouble(), 4);
        Assert.Equal((double)segments["new"].Dec("retentionRate"), compare.GetProperty("b").GetProperty("mean").GetDouble(), 4);
    }

    [Fact]
    public async Task A_key_that_is_no_group_of_the_grouping_is_404_problem_naming_it()
    {
        var problem = await (await _client.GetAsync("/api/v1/compare?by=attribute:arm&a=control&b=placebo&metric=historicalClv")).ProblemAsync(HttpStatusCode.NotFound);

        Assert.Contains("'placebo'", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("a=control&b=control&metric=historicalClv", "b")]
    [InlineData("a=control&b=treatment&metric=lifetimeValue", "metric")]
    [InlineData("a=control&b=treatment&metric=historicalClv&level=1", "level")]
    [InlineData("a=control&b=treatment&metric=historicalClv&level=0", "level")]
    [InlineData("b=treatment&metric=historicalClv", "a")]
    public async Task Bad_parameters_are_400_problems_naming_the_parameter(string query, string field)
    {
        var problem = await (await _client.GetAsync("/api/v1/compare?by=attribute:arm&" + query)).ProblemAsync(HttpStatusCode.BadRequest);

        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
    }

    [Fact]
    public async Task Groups_whose_members_all_have_the_same_outcome_have_no_test_and_say_why()
    {
        var body = await CompareAsync("a=control&b=treatment&metric=repeatPurchase");

        // Nobody repeats in either arm: every outcome the same, nothing to test.
        Assert.Equal(0.0, body.GetProperty("difference").GetDouble());
        Assert.Equal(JsonValueKind.Null, body.GetProperty("pValue").ValueKind);
        Assert.False(string.IsNullOrEmpty(body.GetProperty("reason").GetString()));
    }

    [Fact]
    public async Task Compare_as_csv_is_one_row_with_the_data_through_header()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/compare?by=attribute:arm&a=control&b=treatment&metric=historicalClv");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/csv"));

        var response = await _client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(response.Headers.Contains("Clv-Data-Through"));
        var lines = (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.Contains("differenceInterval.lower", lines[0], StringComparison.Ordinal);
    }
}
