using Clv.Api.Tests.Infrastructure;
using static Clv.Api.Tests.Infrastructure.HttpAssertions;

namespace Clv.Api.Tests.ReadModel;

/// <summary>
/// The medians of a book that buys at a few prices (a subscription's, a single product's): a
/// unit of net revenue whose customers all have one value answers every rank in it from two
/// index probes instead of counting them, for everyone and per channel, and not as of a past day
/// whose corrections put other values in it. Hand-computed. A class of its own: a database of its own.
/// </summary>
public sealed class RollupSinglePriceMedianTests(ClvApiFactory api) : IClassFixture<ClvApiFactory>
{
    [Fact]
    public async Task Medians_in_units_that_hold_one_price_are_exact_now_and_as_of_a_day_before_a_customer_left_it()
    {
        var client = api.Client();
        // Everyone bought at 9.99, 19.50, 19.98 or 20.50 on 2024-03-01: units 9 and 20 hold one
        // value each, unit 19 two. sp-x1 bought 9.99 again on 2024-05-01 (19.98 since).
        // Now:        px: 9.99, 9.99, 19.98, 19.98, 20.50 → 19.98; py: 9.99, 9.99, 19.98, 19.98 → 14.985;
        //             pz: 19.50, 19.98 → 19.74; everyone (11): 9.99 ×4, 19.50, 19.98 ×5, 20.50 → the 6th, 19.98.
        // 2024-04-30: px: 9.99, 9.99, 9.99, 19.98, 20.50 → 9.99; everyone: 9.99 ×5, 19.50, 19.98 ×4, 20.50 → 19.50.
        var bought = new (string Customer, string Channel, decimal Amount)[]
        {
            ("sp-x1", "px", 9.99m), ("sp-x2", "px", 9.99m), ("sp-x3", "px", 9.99m), ("sp-x4", "px", 19.98m), ("sp-x5", "px", 20.5m),
            ("sp-y1", "py", 9.99m), ("sp-y2", "py", 9.99m), ("sp-y3", "py", 19.98m), ("sp-y4", "py", 19.98m),
            ("sp-z1", "pz", 19.5m), ("sp-z2", "pz", 19.98m),
        };
        (await client.PostCustomersAsync(bought.Select(b => (object)new { externalId = b.Customer, acquiredAt = "2024-03-01T09:00:00Z", acquisitionChannel = b.Channel }).ToArray()))
            .EnsureSuccessStatusCode();
        (await client.PostTransactionsAsync(
            [.. bought.Select(b => Tx($"{b.Customer}-p", b.Customer, "2024-03-01T10:00:00Z", amount: b.Amount)), Tx("sp-x1-again", "sp-x1", "2024-05-01T10:00:00Z", amount: 9.99m)]))
            .EnsureSuccessStatusCode();

        async Task<(Dictionary<string, decimal> Channels, decimal Everyone)> MediansAsync(string query)
        {
            var channels = (await (await client.GetAsync($"/api/v1/segments?by=acquisitionChannel{query}")).JsonAsync()).GetProperty("segments").EnumerateArray()
                .ToDictionary(s => s.GetProperty("key").GetString()!, s => s.Dec("medianHistoricalClv"));
            return (channels, (await (await client.GetAsync($"/api/v1/metrics/summary?{query.TrimStart('&')}")).JsonAsync()).Dec("medianHistoricalClv"));
        }

        var (now, everyone) = await MediansAsync("");
        Assert.Equal((19.98m, 14.985m, 19.74m, 19.98m), (now["px"], now["py"], now["pz"], everyone));
        var (then, everyoneThen) = await MediansAsync("&asOf=2024-04-30");
        Assert.Equal((9.99m, 14.985m, 19.74m, 19.50m), (then["px"], then["py"], then["pz"], everyoneThen));
    }
}
