using System.Net.Http.Json;
using Clv.Api.Tests.Infrastructure;
using Clv.Api.Tests.ModelRuns;
using static Clv.Api.Tests.Infrastructure.HttpAssertions;

namespace Clv.Api.Tests.Portfolio;

/// <summary>
/// CLV:CAC from predicted CLV, on the CDNOW sample with a model run calibrated to 1997-09-30 (as of
/// 1998-06-30): six customers are given the channel ads, which spent 1,000 over the first quarter of
/// 1997, when every CDNOW customer was acquired. The oracles are the 12-month CLV that lifetimes
/// 0.11.3 computes for those six, and each one's stored prediction, read one by one. The channel
/// radio spent 500 in May 1998 on one customer who first bought then, after the run's calibration
/// end: the run did not predict them.
/// </summary>
public sealed class PredictedClvToCacTests(PredictedClvToCacTests.CdnowWithAds cdnow) : IClassFixture<PredictedClvToCacTests.CdnowWithAds>
{
    private const string AsOf = "1998-06-30";

    /// <summary>The CDNOW customers acquired through ads: those lifetimes' figures are known for.</summary>
    public static IReadOnlyList<string> Ads { get; } = CdnowSample.Lifetimes.Select(c => c.Customer).ToList();

    /// <summary>One database with the sample, the channel, the spend and a succeeded model run.</summary>
    public sealed class CdnowWithAds : IAsyncLifetime
    {
        public ClvApiFactory Factory { get; } = new();

        public System.Text.Json.JsonElement Run { get; private set; }

        public async Task InitializeAsync()
        {
            await Factory.InitializeAsync();
            var client = Factory.Client();
            (await client.PostAsJsonAsync("/api/v1/customers", new { customers = Ads.Select(id => new { externalId = id, acquisitionChannel = "ads" }) }))
                .EnsureSuccessStatusCode();
            (await client.PostAsJsonAsync("/api/v1/customers", new { customers = new[] { new { externalId = "radio-1", acquisitionChannel = "radio", acquiredAt = "1998-05-02T12:00:00Z" } } }))
                .EnsureSuccessStatusCode();
            (await client.PostCsvAsync(CdnowSample.Csv() + "radio-tx-1,radio-1,1998-05-02T12:00:00Z,purchase,40,USD\r\n")).EnsureSuccessStatusCode();
            (await client.PostAsJsonAsync("/api/v1/acquisition-spend", new
            {
                spend = new[]
                {
                    new { channel = "ads", periodStart = "1997-01-01", periodEnd = "1997-03-31", amount = 1_000m, currency = "USD" },
                    new { channel = "radio", periodStart = "1998-05-01", periodEnd = "1998-05-31", amount = 500m, currency = "USD" },
                },
            })).EnsureSuccessStatusCode();
            Run = await ModelRunTests.StartAndWaitAsync(client, new { calibrationEnd = "1997-09-30", asOf = AsOf, timeUnit = "weeks", activate = true });
            Assert.Equal("succeeded", Run.GetProperty("status").GetString());
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

        Assert.Equal(6, ads.Long("newCustomers"));
        // (Σ predicted CLV / 6) / (1,000 / 6) = Σ predicted CLV / 1,000, to 4 decimals.
        Assert.Equal(Math.Round(predicted / 1_000m, 4, MidpointRounding.AwayFromZero), ads.Dec("predictedClvToCac"));
    }

    [Fact]
    public async Task Predicted_clv_to_cac_is_that_of_lifetimes_clv()
    {
        var body = await (await cdnow.Factory.Client().GetAsync($"/api/v1/segments?by=acquisitionChannel&asOf={AsOf}")).JsonAsync();
        var ads = body.GetProperty("segments").EnumerateArray().Single(s => s.GetProperty("key").GetString() == "ads");

        // lifetimes: Σ CLV = 1,679.60 for the six; over a CAC of 1,000 / 6 that is 1.6796. Clv's
        // month is 0.07% longer than lifetimes' (CdnowSample.AssertMatches).
        var expected = CdnowSample.Lifetimes.Sum(c => c.PredictedClv) / 1_000;
        Assert.Equal(expected, (double)ads.Dec("predictedClvToCac"), 0.0008 * expected);
        Assert.Equal(1_000.0 / 6, (double)ads.Dec("cac"), 0.0001);
    }

    [Theory]
    [InlineData("&asOf=" + AsOf)] // as of a past day
    [InlineData("")] // the current state, from the rollups
    public async Task A_segment_whose_new_customers_the_run_did_not_predict_has_no_predicted_figures_rather_than_zero(string asOf)
    {
        var body = await (await cdnow.Factory.Client().GetAsync($"/api/v1/segments?by=acquisitionChannel{asOf}")).JsonAsync();
        var radio = body.GetProperty("segments").EnumerateArray().Single(s => s.GetProperty("key").GetString() == "radio");

        Assert.Equal(500m, radio.Dec("cac")); // one new customer
        Assert.Equal(System.Text.Json.JsonValueKind.Null, radio.GetProperty("predictedClvToCac").ValueKind);
        Assert.Equal(System.Text.Json.JsonValueKind.Null, radio.GetProperty("avgPredictedClv").ValueKind);
        Assert.Equal(0m, radio.Dec("predictedCustomerEquity"));
    }

    [Theory]
    [InlineData("/api/v1/metrics/summary")]
    [InlineData("/api/v1/segments?by=acquisitionChannel")]
    public async Task Predicted_figures_name_the_run_and_the_date_they_stand_at(string path)
    {
        var client = cdnow.Factory.Client();

        var predictions = (await (await client.GetAsync(path)).JsonAsync()).GetProperty("predictions");
        using var csv = new HttpRequestMessage(HttpMethod.Get, path);
        csv.Headers.Accept.ParseAdd("text/csv");
        var response = await client.SendAsync(csv);

        var run = cdnow.Run.GetProperty("id").GetGuid();
        Assert.Equal(run, predictions.GetProperty("runId").GetGuid());
        Assert.Equal("1997-09-30", predictions.GetProperty("asOf").GetString());
        Assert.Equal("bgnbd", predictions.GetProperty("model").GetString());
        Assert.Equal(run.ToString(), Assert.Single(response.Headers.GetValues("Clv-Prediction-Run")));
        Assert.Equal("1997-09-30", Assert.Single(response.Headers.GetValues("Clv-Prediction-As-Of")));
    }
}
