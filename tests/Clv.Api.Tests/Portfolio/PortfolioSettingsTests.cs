using System.Net.Http.Json;
using System.Text.Json;
using Clv.Api.Tests.Infrastructure;
using static Clv.Api.Tests.Infrastructure.HttpAssertions;

namespace Clv.Api.Tests.Portfolio;

/// <summary>
/// Every dashboard setting changed through configuration, each test on a book whose answer under
/// the defaults would differ. B2B bands with CLV:CAC healthy from 1.2 (an override), a 30-day churn
/// window, segments small below 2 customers, FX rates usable for 30 days, and a SaaS override that
/// must not apply. Ads spent 200 over 2024-01; A1 (ads, acquired 2024-01-05) buys 250 on
/// 2025-08-10 (no cost known); W1 and W2 (web) are acquired on 2025-09-01 and buy nothing.
/// </summary>
public sealed class PortfolioSettingsTests(PortfolioSettingsTests.B2bApi api) : IClassFixture<PortfolioSettingsTests.B2bApi>
{
    private const string AsOf = "2025-09-30";
    private readonly HttpClient _client = api.Factory.Client();

    public sealed class B2bApi : IAsyncLifetime
    {
        public ClvApiFactory Factory { get; } = new ClvApiFactory()
            .With("Clv:BusinessModel", "b2b")
            .With("Clv:HealthBands:b2b:ClvToCacHealthy", "1.2")
            .With("Clv:HealthBands:saas:PaybackAcceptableMonths", "19")
            .With("Clv:ChurnWindowDays", "30")
            .With("Clv:MinSegmentSize", "2")
            .With("Clv:FxMaxAgeDays", "30");

        public async Task InitializeAsync()
        {
            await Factory.InitializeAsync();
            var client = Factory.Client();
            (await client.PostCustomersAsync(
                new { externalId = "A1", acquiredAt = "2024-01-05T09:00:00Z", acquisitionChannel = "ads" },
                new { externalId = "W1", acquiredAt = "2025-09-01T09:00:00Z", acquisitionChannel = "web" },
                new { externalId = "W2", acquiredAt = "2025-09-01T09:00:00Z", acquisitionChannel = "web" })).EnsureSuccessStatusCode();
            (await client.PostSpendAsync(new { channel = "ads", periodStart = "2024-01-01", periodEnd = "2024-01-31", amount = 200m, currency = "USD" }))
                .EnsureSuccessStatusCode();
            (await client.PostTransactionsAsync(Tx("A1-1", "A1", "2025-08-10T12:00:00Z", amount: 250m))).EnsureSuccessStatusCode();
            (await client.PostAsJsonAsync("/api/v1/fx-rates", new { rates = new[] { new { date = "2025-08-01", currency = "EUR", rateToReporting = 1.10m } } }))
                .EnsureSuccessStatusCode();
        }

        public Task DisposeAsync() => ((IAsyncLifetime)Factory).DisposeAsync();
    }

    private async Task<JsonElement> SegmentAsync(string key) =>
        (await (await _client.GetAsync($"/api/v1/segments?by=acquisitionChannel&asOf={AsOf}")).JsonAsync())
            .GetProperty("segments").EnumerateArray().Single(s => s.GetProperty("key").GetString() == key);

    [Fact]
    public async Task The_b2b_business_model_rates_a_20_month_payback_acceptable()
    {
        var ads = await SegmentAsync("ads");

        // CAC 200 / 1 = 200; A1's only profit, 250, falls in month 20 (2024-01 is month 1, 2025-08 month 20).
        Assert.Equal(20, ads.Long("paybackMonths"));
        // B2B: good ≤ 18 < 20 ≤ 24 acceptable. SaaS would say poor (> 18), and so would the SaaS
        // override of 19 months if it leaked into the B2B bands.
        Assert.Equal("acceptable", ads.GetProperty("health").GetProperty("payback").GetString());
    }

    [Fact]
    public async Task A_health_band_override_of_the_business_model_moves_the_clv_to_cac_band()
    {
        var ads = await SegmentAsync("ads");

        Assert.Equal(1.25m, ads.Dec("clvToCac")); // gross profit 250 (no cost known) / CAC 200
        // Healthy from 1.2 by the override; the default bands call 1.25 weak (1–3).
        Assert.Equal("healthy", ads.GetProperty("health").GetProperty("clvToCac").GetString());
    }

    [Fact]
    public async Task A_30_day_churn_window_churns_a_customer_51_days_after_the_last_purchase()
    {
        var ads = await SegmentAsync("ads");
        var web = await SegmentAsync("web");
        var a1 = await (await _client.GetAsync($"/api/v1/customers/A1?asOf={AsOf}")).JsonAsync();

        // A1: 2025-08-10 to 2025-09-30 is 21 + 30 = 51 days ≥ 30 (not churned with the default 90).
        Assert.Equal(1, ads.Long("churnedCustomers"));
        Assert.True(a1.GetProperty("churned").GetBoolean());
        // W1, W2: acquired 2025-09-01, 29 days < 30 before the as-of date, without a purchase.
        Assert.Equal(0, web.Long("churnedCustomers"));
    }

    [Fact]
    public async Task A_minimum_segment_size_of_2_flags_only_the_segment_of_1()
    {
        var ads = await SegmentAsync("ads");
        var web = await SegmentAsync("web");

        // With the default of 100 both would be small.
        Assert.True(ads.GetProperty("smallSample").GetBoolean()); // 1 < 2
        Assert.False(web.GetProperty("smallSample").GetBoolean()); // 2 ≥ 2
        Assert.Equal(2, web.Long("customers"));
    }

    [Fact]
    public async Task A_30_day_fx_age_converts_at_a_24_day_old_rate_and_rejects_a_31_day_old_one()
    {
        // 2025-08-25 is 24 days after the 2025-08-01 rate (the default 7 would reject it): 100 EUR × 1.10.
        var accepted = await (await _client.PostTransactionsAsync(Tx("fx-1", "FX1", "2025-08-25T12:00:00Z", amount: 100m, currency: "EUR"))).JsonAsync();
        // 2025-09-01 is 31 days after it.
        var rejected = await (await _client.PostTransactionsAsync(Tx("fx-2", "FX2", "2025-09-01T12:00:00Z", amount: 100m, currency: "EUR"))).JsonAsync();

        Assert.Equal(1, accepted.Long("inserted"));
        Assert.Equal(110m, await api.Factory.ScalarAsync<decimal>("SELECT amount FROM transactions WHERE external_id = 'fx-1'"));
        var error = rejected.GetProperty("errors")[0];
        Assert.Equal("currency", error.GetProperty("field").GetString());
        Assert.Contains("EUR", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Contains("2025-09-01", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Contains("30 days", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }
}

/// <summary>
/// The retail business model with its default bands (payback good ≤ 6, acceptable ≤ 12 months).
/// Ads spent 200 and tv 1,000 over 2024-01. A1 (ads) and T1 (tv), both acquired 2024-01-05: A1
/// buys 300 on 2024-09-10, T1 buys 10 on 2024-01-10. No cost is known.
/// </summary>
public sealed class RetailHealthBandTests(RetailHealthBandTests.RetailApi api) : IClassFixture<RetailHealthBandTests.RetailApi>
{
    private readonly HttpClient _client = api.Factory.Client();

    public sealed class RetailApi : IAsyncLifetime
    {
        public ClvApiFactory Factory { get; } = new ClvApiFactory().With("Clv:BusinessModel", "retail");

        public async Task InitializeAsync()
        {
            await Factory.InitializeAsync();
            var client = Factory.Client();
            (await client.PostCustomersAsync(
                new { externalId = "A1", acquiredAt = "2024-01-05T09:00:00Z", acquisitionChannel = "ads" },
                new { externalId = "T1", acquiredAt = "2024-01-05T09:00:00Z", acquisitionChannel = "tv" })).EnsureSuccessStatusCode();
            (await client.PostSpendAsync(
                new { channel = "ads", periodStart = "2024-01-01", periodEnd = "2024-01-31", amount = 200m, currency = "USD" },
                new { channel = "tv", periodStart = "2024-01-01", periodEnd = "2024-01-31", amount = 1_000m, currency = "USD" })).EnsureSuccessStatusCode();
            (await client.PostTransactionsAsync(
                Tx("A1-1", "A1", "2024-09-10T12:00:00Z", amount: 300m),
                Tx("T1-1", "T1", "2024-01-10T12:00:00Z", amount: 10m))).EnsureSuccessStatusCode();
        }

        public Task DisposeAsync() => ((IAsyncLifetime)Factory).DisposeAsync();
    }

    private async Task<JsonElement> PaybackAsync(string asOf, string key) =>
        (await (await _client.GetAsync($"/api/v1/segments?asOf={asOf}")).JsonAsync())
            .GetProperty("segments").EnumerateArray().Single(s => s.GetProperty("key").GetString() == key);

    [Fact]
    public async Task A_9_month_payback_is_acceptable_in_retail()
    {
        var ads = await PaybackAsync("2025-01-15", "ads");

        // CAC 200; A1's 300 falls in month 9 (2024-09). Retail: 6 < 9 ≤ 12 acceptable; SaaS would say good (≤ 12).
        Assert.Equal(9, ads.Long("paybackMonths"));
        Assert.Equal("acceptable", ads.GetProperty("health").GetProperty("payback").GetString());
    }

    [Fact]
    public async Task A_payback_not_reached_is_poor_once_more_than_12_months_are_observed_in_retail()
    {
        // CAC 1,000 against a profit of 10: never reached. Observed months 2024-01..2024-12 = 12, then 2024-01..2025-01 = 13.
        var at12 = await PaybackAsync("2024-12-31", "tv");
        var at13 = await PaybackAsync("2025-01-15", "tv");

        Assert.Equal(JsonValueKind.Null, at12.GetProperty("paybackMonths").ValueKind);
        Assert.Equal(JsonValueKind.Null, at12.GetProperty("health").GetProperty("payback").ValueKind); // 12 ≤ 12: not yet known
        Assert.Equal("poor", at13.GetProperty("health").GetProperty("payback").GetString()); // 13 > 12; SaaS would wait for 19
    }
}
