using Clv.Api.Tests.Infrastructure;

namespace Clv.Api.Tests.Ingestion;

/// <summary>
/// The CDNOW sample (2,357 customers, 6,919 transactions) through the CSV endpoint; every expected
/// figure is computed here from the file itself.
/// </summary>
public sealed class CdnowEndToEndTests(ClvApiFactory api) : IClassFixture<ClvApiFactory>
{
    [Fact]
    public async Task Cdnow_sample_imported_as_csv_matches_the_file()
    {
        var purchases = CdnowSample.Purchases;
        var csv = CdnowSample.Csv();

        var client = api.Client();
        var result = await (await client.PostCsvAsync(csv)).JsonAsync();

        Assert.Equal(6_919, purchases.Count);
        Assert.Equal(purchases.Count, result.Long("inserted"));
        Assert.Equal(0, result.Long("rejected"));

        var summary = await (await client.GetAsync("/api/v1/metrics/summary")).JsonAsync();
        Assert.Equal(2_357, summary.Long("customers"));
        Assert.Equal(purchases.Sum(p => p.Amount), summary.Dec("netRevenue"));

        var byCustomer = purchases.GroupBy(p => p.Customer).ToList();
        Assert.Equal(byCustomer.Count(g => g.Select(p => p.Day).Distinct().Count() >= 2), summary.Long("repeatCustomers"));

        // Several customers: the most active, one with several purchases on a day, and the first and last.
        var sampled = new[]
        {
            byCustomer.MaxBy(g => g.Count())!,
            byCustomer.First(g => g.Count() > g.Select(p => p.Day).Distinct().Count()),
            byCustomer[0],
            byCustomer[^1],
        };
        foreach (var group in sampled)
        {
            var h = (await (await client.GetAsync($"/api/v1/customers/{group.Key}")).JsonAsync()).GetProperty("historical");
            Assert.Equal(group.Count(), h.Long("purchaseCount"));
            Assert.Equal(group.Select(p => p.Day).Distinct().Count(), h.Long("purchaseDays"));
            Assert.Equal(group.Sum(p => p.Amount), h.Dec("netRevenue"));
        }
    }
}
