using Clv.Api.Tests.Infrastructure;
using static Clv.Api.Tests.Infrastructure.HttpAssertions;

namespace Clv.Api.Tests.Customers;

public sealed class PortfolioSummaryTests(ClvApiFactory api) : IClassFixture<ClvApiFactory>
{
    private readonly HttpClient _client = api.Client();

    [Theory]
    [InlineData("text/csv", "text/csv")]
    [InlineData("text/*", "text/csv")]
    [InlineData("text/csv, application/json", "text/csv")]
    [InlineData("text/csv;q=0.5, application/json;q=0.9", "application/json")]
    [InlineData("application/json;q=0.4, text/csv;q=0.8", "text/csv")]
    [InlineData("text/csv;q=0, application/json", "application/json")]
    [InlineData("*/*, text/csv;q=0.1", "application/json")]
    // curl's default Accept: "*/* and no Accept mean JSON" (docs/api.md); */* gave CSV since 8b67a39 rewrote it as
    // "application/json, text/csv", a tie that CsvColumns.Wanted gives to CSV.
    [InlineData("*/*", "application/json")]
    [InlineData("text/*, */*", "text/csv")]
    public async Task The_accept_header_s_qualities_choose_between_csv_and_json(string accept, string answered)
    {
        // RFC 9110 §12.5.1: the highest quality wins, and q=0 means "not acceptable" (helper's report, 2026-12-05:
        // any text/csv entry gave CSV, text/csv;q=0 included).
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/metrics/summary");
        request.Headers.TryAddWithoutValidation("Accept", accept);

        var response = await _client.SendAsync(request);

        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(answered, response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Summary_counts_customers_and_gives_exact_mean_and_median_clv()
    {
        // CLVs: a = 10 + 20 on two days = 30 (repeat), b = 50 - 10 refund = 40, c = 5, d = 0 (profile only).
        // Sum 75; mean 75 / 4 = 18.75; median of 0, 5, 30, 40 = (5 + 30) / 2 = 17.5.
        await _client.PostAsync("/api/v1/customers", System.Net.Http.Json.JsonContent.Create(new { customers = new[] { new { externalId = "d", acquiredAt = "2024-01-01T00:00:00Z" } } }));
        (await _client.PostTransactionsAsync(
            Tx("s-1", "a", "2024-01-01T10:00:00Z", amount: 10m),
            Tx("s-2", "a", "2024-01-05T10:00:00Z", amount: 20m),
            Tx("s-3", "b", "2024-01-02T10:00:00Z", amount: 50m),
            Tx("s-4", "b", "2024-01-09T10:00:00Z", type: "refund", amount: 10m),
            Tx("s-5", "c", "2024-01-03T10:00:00Z", amount: 5m))).EnsureSuccessStatusCode();

        var summary = await (await _client.GetAsync("/api/v1/metrics/summary")).JsonAsync();

        Assert.Equal(4, summary.Long("customers"));
        Assert.Equal(1, summary.Long("repeatCustomers"));
        Assert.Equal(75m, summary.Dec("netRevenue"));
        Assert.Equal(75m, summary.Dec("customerEquity"));
        Assert.Equal(18.75m, summary.Dec("averageHistoricalClv"));
        Assert.Equal(17.5m, summary.Dec("medianHistoricalClv"));
        Assert.Equal("USD", summary.GetProperty("currency").GetString());

        // As of 2024-01-02: a has 10 (one day), b has 50 (the refund is later), c is not yet acquired, d counts 0.
        // Customers a, b, d: sum 60, mean 20, median 10.
        var early = await (await _client.GetAsync("/api/v1/metrics/summary?asOf=2024-01-02")).JsonAsync();
        Assert.Equal(3, early.Long("customers"));
        Assert.Equal(0, early.Long("repeatCustomers"));
        Assert.Equal(60m, early.Dec("netRevenue"));
        Assert.Equal(20m, early.Dec("averageHistoricalClv"));
        Assert.Equal(10m, early.Dec("medianHistoricalClv"));
    }
}
