using System.Net.Http.Json;
using Clv.Api.Tests.Infrastructure;
using Clv.Api.Tests.ModelRuns;
using static Clv.Api.Tests.Infrastructure.HttpAssertions;

namespace Clv.Api.Tests.Portfolio;

/// <summary>
/// CLV:CAC from predicted CLV, on the CDNOW sample with a model run as of 1998-06-30: ten customers
/// are given the channel ads, which spent 1,000 over the first quarter of 1997, when every CDNOW
/// customer was acquired. The oracle is each customer's stored prediction, read one by one.
/// </summary>
public sealed class PredictedClvToCacTests(PredictedClvToCacTests.CdnowWithAds cdnow) : IClassFixture<PredictedClvToCacTests.CdnowWithAds>
{
    private const string AsOf = "1998-06-30";

    /// <summary>The ten CDNOW customers acquired through ads.</summary>
    public static IReadOnlyList<string> Ads { get; } = CdnowSample.Purchases.Select(p => p.Customer).Distinct().Order(StringComparer.Ordinal).Take(10).ToList();

    /// <summary>One database with the sample, the channel, the spend and a succeeded model run.</summary>
    public sealed class CdnowWithAds : IAsyncLifetime
    {
        public ClvApiFactory Factory { get; } = new();

        public async Task InitializeAsync()
        {
            await Factory.InitializeAsync();
            var client = Factory.Client();
            (await client.PostAsJsonAsync("/api/v1/customers", new { customers = Ads.Select(id => new { externalId = id, acquisitionChannel = "ads" }) }))
                .EnsureSuccessStatusCode();
            (await client.PostCsvAsync(CdnowSample.Csv())).EnsureSuccessStatusCode();
            (await client.PostAsJsonAsync("/api/v1/acquisition-spend", new
            {
                spend = new[] { new { channel = "ads", periodStart = "1997-01-01", periodEnd = "1997-03-31", amount = 1_000m, currency = "USD" } },
            })).EnsureSuccessStatusCode();
            var run = await ModelRunTests.StartAndWaitAsync(client, new { asOf = AsOf });
            Assert.Equal("succeeded", run.GetProperty("status").GetString());
        }

        public Task DisposeAsync() => ((IAsyncLifetime)Factory).DisposeAsync();
    }

    [Fact]
    public async Task Predicted_clv_to_cac_is_the_new_customers_mean_predicted_clv_over_cac()
    {
        var client = cdnow.Factory.Client();
        var predicted = 0m;
        foreach (var id in Ads)
        {
            predicted += (await (await client.GetAsync($"/api/v1/customers/{id}")).JsonAsync()).GetProperty("predicted").Dec("predictedClv");
        }

        var body = await (await client.GetAsync($"/api/v1/segments?by=acquisitionChannel&asOf={AsOf}")).JsonAsync();
        var ads = body.GetProperty("segments").EnumerateArray().Single(s => s.GetProperty("key").GetString() == "ads");

        Assert.Equal(10, ads.Long("newCustomers"));
        Assert.Equal(100m, ads.Dec("cac")); // 1,000 / 10
        // (Σ predicted CLV / 10) / (1,000 / 10) = Σ predicted CLV / 1,000, to 4 decimals.
        Assert.Equal(Math.Round(predicted / 1_000m, 4, MidpointRounding.AwayFromZero), ads.Dec("predictedClvToCac"));
        Assert.True(predicted > 0, "the run predicted nothing for the ads customers");
    }
}
