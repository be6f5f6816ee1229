using System.Text.Json;
using Clv.Api.Tests.Infrastructure;
using static Clv.Api.Tests.Infrastructure.HttpAssertions;

namespace Clv.Api.Tests.Customers;

/// <summary>
/// A customer read's churn, trend and RFM follow the customer's own writes at once, although the
/// read does not wait for the portfolio facts to reload (docs/api.md, "Freshness"). C1..C5 each buy
/// once on 2024-01-10, for 10, 20, 30, 40 and 50; every figure is as of 2024-12-31 (the default
/// 90-day churn window).
/// </summary>
public sealed class CustomerStandingTests(ClvApiFactory api) : IClassFixture<ClvApiFactory>
{
    private const string AsOf = "2024-12-31";
    private readonly HttpClient _client = api.Client();

    private async Task<JsonElement> CustomerAsync(string id) =>
        await (await _client.GetAsync($"/api/v1/customers/{id}?asOf={AsOf}")).JsonAsync();

    [Fact]
    public async Task A_customers_own_purchase_moves_their_churn_trend_and_rfm_at_once_and_a_reload_reranks_the_rest()
    {
        (await _client.PostTransactionsAsync(
            Tx("t1", "C1", amount: 10m), Tx("t2", "C2", amount: 20m), Tx("t3", "C3", amount: 30m), Tx("t4", "C4", amount: 40m), Tx("t5", "C5", amount: 50m)))
            .EnsureSuccessStatusCode();

        // Before: C1 last bought 356 days ago (churned); recency ties at 356 days for all five
        // (1 + ⌊5 × 0 / 5⌋ = 1), one purchase day each (F 1), and 10 is the lowest revenue (M 1).
        // C2's 20 has one value below: M = 1 + ⌊5 × 1 / 5⌋ = 2.
        var before = await CustomerAsync("C1");
        Assert.True(before.GetProperty("churned").GetBoolean());
        Assert.Equal("111", before.GetProperty("rfm").GetProperty("score").GetString());
        Assert.Equal(10m, before.GetProperty("trend").Dec("last12Months"));
        Assert.Equal("112", (await CustomerAsync("C2")).GetProperty("rfm").GetProperty("score").GetString());

        (await _client.PostTransactionsAsync(Tx("t6", "C1", "2024-12-20T12:00:00Z", amount: 100m))).EnsureSuccessStatusCode();

        // After: C1 bought 11 days before the as-of day, not churned; 110 in the last 12 months.
        // Among the five with C1's new figures: recency 11 days beats the other four's 356 ->
        // 1 + ⌊5 × 4 / 5⌋ = 5; 2 purchase days against 1 -> 5; 110 above 20..50 -> 5: Champions.
        var after = await CustomerAsync("C1");
        Assert.False(after.GetProperty("churned").GetBoolean());
        Assert.Equal(110m, after.GetProperty("historical").Dec("netRevenue"));
        Assert.Equal(110m, after.GetProperty("trend").Dec("last12Months"));
        Assert.Equal("555", after.GetProperty("rfm").GetProperty("score").GetString());
        Assert.Equal("Champions", after.GetProperty("rfm").GetProperty("segment").GetString());

        // A segment read loads the facts as of the latest write; C2's 20 is now the lowest revenue (M 1).
        (await _client.GetAsync($"/api/v1/segments?by=rfmSegment&asOf={AsOf}")).EnsureSuccessStatusCode();
        Assert.Equal("111", (await CustomerAsync("C2")).GetProperty("rfm").GetProperty("score").GetString());
    }
}

/// <summary>
/// With <c>Clv:Analytics:RankingRefreshSeconds</c> at 0, the reload that a customer read starts in
/// the background re-ranks the other customers without any analytics read (the book of
/// <see cref="CustomerStandingTests"/>).
/// </summary>
public sealed class CustomerStandingRefreshTests(CustomerStandingRefreshTests.Api api) : IClassFixture<CustomerStandingRefreshTests.Api>
{
    private readonly HttpClient _client = api.Factory.Client();

    public sealed class Api() : ConfiguredApi(api => api.With("Clv:Analytics:RankingRefreshSeconds", "0"));

    private async Task<string?> ScoreAsync(string id) =>
        (await (await _client.GetAsync($"/api/v1/customers/{id}?asOf=2024-12-31")).JsonAsync()).GetProperty("rfm").GetProperty("score").GetString();

    [Fact]
    public async Task A_background_reload_reranks_the_other_customers_after_a_write()
    {
        (await _client.PostTransactionsAsync(
            Tx("t1", "C1", amount: 10m), Tx("t2", "C2", amount: 20m), Tx("t3", "C3", amount: 30m), Tx("t4", "C4", amount: 40m), Tx("t5", "C5", amount: 50m)))
            .EnsureSuccessStatusCode();
        Assert.Equal("112", await ScoreAsync("C2")); // 20 has one value below it: M = 1 + ⌊5 × 1 / 5⌋ = 2

        (await _client.PostTransactionsAsync(Tx("t6", "C1", "2024-12-20T12:00:00Z", amount: 100m))).EnsureSuccessStatusCode();

        // C1's 110 moves above C2's 20, which becomes the lowest (M 1) once a reload has run; only
        // customer reads happen here, so only their background reload can bring that.
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (await ScoreAsync("C2") != "111")
        {
            Assert.True(DateTime.UtcNow < deadline, "C2 was not re-ranked within 20 s of the write.");
            await Task.Delay(100);
        }
    }
}
