using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Clv.Api.Tests.Infrastructure;
using static Clv.Api.Tests.Infrastructure.HttpAssertions;

namespace Clv.Api.Tests.Customers;

/// <summary>
/// <c>GET /api/v1/customers?include=rfm,trend,churned</c> gives each listed row the fields the
/// single-customer read gives, as of <c>asOf</c>. The book of <c>PortfolioEndpointTests</c>, every
/// value worked out in the tests: A1, A2, A3 acquired 2024-01-05, each buying 200 on the 10th of
/// January, February and March 2024; W1 acquired 2024-02-01, buying 110 on 2024-02-15; U1 acquired
/// 2024-04-02, buying nothing; R buying 400 on 2025-03-01 and 100 on 2026-03-01. Churn window 90 days.
/// </summary>
public sealed class CustomerListIncludeTests(ClvApiFactory api) : IClassFixture<ClvApiFactory>, IAsyncLifetime
{
    private readonly HttpClient _client = api.Client();

    public async Task InitializeAsync()
    {
        if (await api.ScalarAsync<long>("SELECT count(*) FROM customers") > 0)
        {
            return;
        }

        (await _client.PostCustomersAsync(
            new { externalId = "A1", acquiredAt = "2024-01-05T09:00:00Z" },
            new { externalId = "A2", acquiredAt = "2024-01-05T09:00:00Z" },
            new { externalId = "A3", acquiredAt = "2024-01-05T09:00:00Z" },
            new { externalId = "W1", acquiredAt = "2024-02-01T09:00:00Z" },
            new { externalId = "U1", acquiredAt = "2024-04-02T09:00:00Z" })).EnsureSuccessStatusCode();
        var transactions = new List<object>();
        foreach (var customer in new[] { "A1", "A2", "A3" })
        {
            foreach (var month in new[] { "01", "02", "03" })
            {
                transactions.Add(Tx($"{customer}-{month}", customer, $"2024-{month}-10T12:00:00Z", amount: 200m));
            }
        }

        transactions.Add(Tx("W1-1", "W1", "2024-02-15T12:00:00Z", amount: 110m));
        transactions.Add(Tx("R-1", "R", "2025-03-01T12:00:00Z", amount: 400m));
        transactions.Add(Tx("R-2", "R", "2026-03-01T12:00:00Z", amount: 100m));
        (await _client.PostTransactionsAsync([.. transactions])).EnsureSuccessStatusCode();
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task The_at_risk_list_with_include_gives_each_row_rfm_trend_and_churned_as_of_the_day()
    {
        // As of 2025-03-31 the buyers are A1..A3 (3 purchase days, 600, last 2024-03-10), W1 (1 day, 110,
        // 2024-02-15) and R (1 day, 400, 2025-03-01). A1: one older buyer (W1) -> R 1 + ⌊5 × 1 / 5⌋ = 2;
        // two with fewer days and less revenue (W1, R) -> F = M = 1 + ⌊5 × 2 / 5⌋ = 3; row R 2, FM 3: "At risk".
        // W1 is worst on all three: 111, "Lost". Both spent nothing in 2024-04-01..2025-03-31 against
        // 600 and 110 in the 12 months before (change −1), and last bought more than 90 days before.
        var page = await (await _client.GetAsync("/api/v1/customers?atRisk=true&asOf=2025-03-31&include=rfm,trend,churned")).JsonAsync();
        var rows = page.GetProperty("items").EnumerateArray().ToDictionary(c => c.GetProperty("externalId").GetString()!);

        Assert.Equal(["A1", "A2", "A3", "W1"], rows.Keys.Order());
        Assert.Equal("233", rows["A1"].GetProperty("rfm").GetProperty("score").GetString());
        Assert.Equal("At risk", rows["A1"].GetProperty("rfm").GetProperty("segment").GetString());
        Assert.Equal(0m, rows["A1"].GetProperty("trend").Dec("last12Months"));
        Assert.Equal(600m, rows["A1"].GetProperty("trend").Dec("previous12Months"));
        Assert.Equal(-1m, rows["A1"].GetProperty("trend").Dec("change"));
        Assert.True(rows["A1"].GetProperty("churned").GetBoolean());
        Assert.Equal("111", rows["W1"].GetProperty("rfm").GetProperty("score").GetString());
        Assert.Equal("Lost", rows["W1"].GetProperty("rfm").GetProperty("segment").GetString());
        Assert.Equal(110m, rows["W1"].GetProperty("trend").Dec("previous12Months"));
    }

    [Fact]
    public async Task The_at_risk_list_with_include_scores_the_recent_buyer_as_of_the_later_day()
    {
        // As of 2026-03-31 R (last bought 2026-03-01) is the most recent of the 5 buyers: R 5; 2 purchase
        // days and 500 beat only W1's 1 and 110: F = M = 1 + ⌊5 × 1 / 5⌋ = 2; row R 5, FM 2: "Potential
        // loyalist". 100 in the last 12 months against 400: change 100 / 400 − 1 = −0.75; not churned.
        var page = await (await _client.GetAsync("/api/v1/customers?atRisk=true&asOf=2026-03-31&include=rfm,trend,churned")).JsonAsync();
        var r = page.GetProperty("items").EnumerateArray().Single();

        Assert.Equal("R", r.GetProperty("externalId").GetString());
        Assert.Equal("522", r.GetProperty("rfm").GetProperty("score").GetString());
        Assert.Equal("Potential loyalist", r.GetProperty("rfm").GetProperty("segment").GetString());
        Assert.Equal(-0.75m, r.GetProperty("trend").Dec("change"));
        Assert.True(r.GetProperty("trend").GetProperty("atRisk").GetBoolean());
        Assert.False(r.GetProperty("churned").GetBoolean());
    }

    [Theory]
    [InlineData("2024-03-31")]
    [InlineData("2025-03-31")]
    [InlineData("2026-03-31")]
    [InlineData(null)]
    public async Task Every_included_field_of_the_list_equals_the_customer_read_of_the_same_day(string? asOf)
    {
        var page = await (await _client.GetAsync($"/api/v1/customers?include=rfm,trend,churned{(asOf is null ? "" : $"&asOf={asOf}")}")).JsonAsync();

        Assert.Equal(6, page.GetProperty("items").GetArrayLength());
        foreach (var row in page.GetProperty("items").EnumerateArray())
        {
            var id = row.GetProperty("externalId").GetString();
            var detail = await (await _client.GetAsync($"/api/v1/customers/{id}{(asOf is null ? "" : $"?asOf={asOf}")}")).JsonAsync();
            foreach (var field in new[] { "rfm", "trend", "churned" })
            {
                Assert.True(detail.GetProperty(field).GetRawText() == row.GetProperty(field).GetRawText(),
                    $"{id}'s {field}: the list gives {row.GetProperty(field)}, the customer read {detail.GetProperty(field)}");
            }
        }
    }

    [Fact]
    public async Task The_list_adds_only_the_fields_include_names()
    {
        var plain = (await (await _client.GetAsync("/api/v1/customers?asOf=2026-03-31")).JsonAsync()).GetProperty("items")[0];
        var rfmOnly = (await (await _client.GetAsync("/api/v1/customers?asOf=2026-03-31&include=rfm")).JsonAsync()).GetProperty("items")[0];

        Assert.All(new[] { "rfm", "trend", "churned" }, f => Assert.Equal(JsonValueKind.Null, plain.GetProperty(f).ValueKind));
        Assert.Equal(JsonValueKind.Object, rfmOnly.GetProperty("rfm").ValueKind);
        Assert.Equal(JsonValueKind.Null, rfmOnly.GetProperty("trend").ValueKind);
        Assert.Equal(JsonValueKind.Null, rfmOnly.GetProperty("churned").ValueKind);
    }

    [Theory]
    [InlineData("segment")]
    [InlineData("rfm,,trend")]
    [InlineData("rfm;trend")]
    [InlineData("rfm,trend,churned,rfm,trend,churned,rfm,trend,churned,rfm,trend,churned,rfm,trend")]
    public async Task A_bad_include_is_a_400_problem_naming_it(string include)
    {
        var problem = await (await _client.GetAsync($"/api/v1/customers?include={include}")).ProblemAsync(HttpStatusCode.BadRequest);

        Assert.True(problem.GetProperty("errors").TryGetProperty("include", out _), problem.ToString());
    }

    [Fact]
    public async Task The_csv_export_refuses_include_with_a_problem_naming_it()
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/customers?include=rfm");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/csv"));

        var problem = await (await _client.SendAsync(request)).ProblemAsync(HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("include", out _), problem.ToString());
    }
}
