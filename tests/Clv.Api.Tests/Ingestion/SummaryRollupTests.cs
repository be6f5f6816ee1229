using Clv.Api.Tests.Infrastructure;
using static Clv.Api.Tests.Infrastructure.HttpAssertions;

namespace Clv.Api.Tests.Ingestion;

/// <summary>The per-customer summary kept current at ingest, which the model runs read.</summary>
public sealed class SummaryRollupTests(ClvApiFactory api) : IClassFixture<ClvApiFactory>
{
    private readonly HttpClient _client = api.Client();

    [Fact]
    public async Task Summary_keeps_first_and_last_purchase_day_and_the_value_of_repeat_days_whatever_the_arrival_order()
    {
        // Days: 01-03 buys 7; 01-02 buys 20 and refunds 5 (value 15); 01-01 buys 10; 01-04 only a refund of 4.
        // Purchase days 01-01..01-03; the repeat days are 01-02 and 01-03: 15 + 7 = 22. The refund-only day
        // is no purchase day and adds nothing to the repeat value. Sent newest first, in two batches.
        (await _client.PostTransactionsAsync(Tx("o-3", "o-cust", "2024-01-03T10:00:00Z", amount: 7m), Tx("o-4", "o-cust", "2024-01-04T10:00:00Z", type: "refund", amount: 4m))).EnsureSuccessStatusCode();
        (await _client.PostTransactionsAsync(
            Tx("o-2a", "o-cust", "2024-01-02T10:00:00Z", amount: 20m),
            Tx("o-2b", "o-cust", "2024-01-02T11:00:00Z", type: "refund", amount: 5m),
            Tx("o-1", "o-cust", "2024-01-01T10:00:00Z", amount: 10m))).EnsureSuccessStatusCode();

        const string Summary = "FROM customer_summaries s JOIN customers c ON c.id = s.customer_id WHERE c.external_id = 'o-cust'";
        Assert.Equal(22m, await api.ScalarAsync<decimal>($"SELECT repeat_days_value {Summary}"));
        Assert.Equal("2024-01-01", await api.ScalarAsync<string>($"SELECT first_purchase_day::text {Summary}"));
        Assert.Equal("2024-01-03", await api.ScalarAsync<string>($"SELECT last_purchase_day::text {Summary}"));
        Assert.Equal(3, await api.ScalarAsync<int>($"SELECT purchase_days {Summary}"));
        Assert.Equal(28m, await api.ScalarAsync<decimal>($"SELECT net_revenue {Summary}")); // 37 - 9
    }
}
