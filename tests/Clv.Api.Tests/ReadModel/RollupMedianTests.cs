using Clv.Api.Tests.Infrastructure;
using static Clv.Api.Tests.Infrastructure.HttpAssertions;

namespace Clv.Api.Tests.ReadModel;

/// <summary>
/// The median historical CLV that the group rollup answers (everyone, and per channel) walks the
/// counts per whole unit of net revenue to the unit that holds the middle rank, then that unit's
/// values: hand-computed books whose middle values share a unit, sit on a unit's edges and below
/// zero. A class of its own: a database of its own.
/// </summary>
public sealed class RollupMedianTests(ClvApiFactory api) : IClassFixture<ClvApiFactory>
{
    [Fact]
    public async Task Medians_within_one_unit_of_net_revenue_on_its_edges_and_below_zero_are_exact()
    {
        var client = api.Client();
        // x: −0.25, 9.9999, 10, 10.25, 10.50, 10.60, 10.75, 11: the 4th and 5th of 8 are 10.25 and 10.50.
        // y: −5.50, 10.10, 10.20, 10.30: the 2nd and 3rd of 4 are 10.10 and 10.20.
        // Everyone: −5.50, −0.25, 9.9999, 10, 10.10, 10.20, 10.25, 10.30, …: the 6th and 7th of 12 are 10.20 and 10.25.
        var nets = new (string Customer, string Channel, decimal Bought, decimal Refunded)[]
        {
            ("m-1", "x", 1m, 1.25m), ("m-2", "x", 9.9999m, 0), ("m-3", "x", 10m, 0), ("m-4", "x", 10.25m, 0),
            ("m-5", "x", 10.5m, 0), ("m-6", "x", 10.6m, 0), ("m-7", "x", 12m, 1.25m), ("m-8", "x", 11m, 0),
            ("m-9", "y", 4.5m, 10m), ("m-10", "y", 10.1m, 0), ("m-11", "y", 10.2m, 0), ("m-12", "y", 10.3m, 0),
        };
        (await client.PostCustomersAsync(nets.Select(n => (object)new { externalId = n.Customer, acquisitionChannel = n.Channel }).ToArray()))
            .EnsureSuccessStatusCode();
        (await client.PostTransactionsAsync(nets.SelectMany(n => n.Refunded == 0
            ? [Tx($"{n.Customer}-p", n.Customer, "2024-03-01T10:00:00Z", amount: n.Bought)]
            : new[] { Tx($"{n.Customer}-p", n.Customer, "2024-03-01T10:00:00Z", amount: n.Bought), Tx($"{n.Customer}-r", n.Customer, "2024-03-02T10:00:00Z", type: "refund", amount: n.Refunded) })
            .ToArray())).EnsureSuccessStatusCode();

        var segments = (await (await client.GetAsync("/api/v1/segments?by=acquisitionChannel")).JsonAsync()).GetProperty("segments").EnumerateArray()
            .ToDictionary(s => s.GetProperty("key").GetString()!, s => s.Dec("medianHistoricalClv"));
        var summary = await (await client.GetAsync("/api/v1/metrics/summary")).JsonAsync();

        Assert.Equal(10.375m, segments["x"]);
        Assert.Equal(10.15m, segments["y"]);
        Assert.Equal(10.225m, summary.Dec("medianHistoricalClv"));
    }
}
