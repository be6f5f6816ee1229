using System.Globalization;
using System.Net.Http.Headers;
using Clv.Api.Tests.Infrastructure;
using Clv.Api.Tests.ModelRuns;

namespace Clv.Api.Tests.Portfolio;

/// <summary>
/// Model-based churn over the API: the CDNOW sample, a BG/NBD run calibrated to 1997-09-30 (as of
/// 1998-06-30), and <c>Clv:AliveThreshold</c> set to 0.7. The oracles are the P(alive) that lifetimes
/// 0.11.3 computes for six customers, and that of every customer read back from the customer export.
/// </summary>
public sealed class ModelChurnTests(ModelChurnTests.CdnowApi cdnow) : IClassFixture<ModelChurnTests.CdnowApi>
{
    private const double Threshold = 0.7;
    private readonly HttpClient _client = cdnow.Factory.Client();

    public sealed class CdnowApi : IAsyncLifetime
    {
        public ClvApiFactory Factory { get; } = new ClvApiFactory().With("Clv:AliveThreshold", "0.7");

        public async Task InitializeAsync()
        {
            await Factory.InitializeAsync();
            var client = Factory.Client();
            (await client.PostCsvAsync(CdnowSample.Csv())).EnsureSuccessStatusCode();
            var run = await ModelRunTests.StartAndWaitAsync(client, new { calibrationEnd = "1997-09-30", asOf = "1998-06-30", timeUnit = "weeks", models = new[] { "bgnbd", "gammagamma" }, activate = true });
            Assert.Equal("succeeded", run.GetProperty("status").GetString());
        }

        public Task DisposeAsync() => ((IAsyncLifetime)Factory).DisposeAsync();
    }

    // Every customer's external id and P(alive), from the CSV export.
    private async Task<Dictionary<string, double>> AliveAsync()
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/customers");
        request.Headers.Accept.Clear();
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/csv"));
        var lines = (await (await _client.SendAsync(request)).Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var header = lines[0].TrimEnd('\r').Split(',');
        var id = Array.IndexOf(header, "externalId");
        var alive = Array.IndexOf(header, "predicted.probabilityAlive");
        Assert.True(id >= 0 && alive > 0, lines[0]);
        return lines.Skip(1).Select(l => l.TrimEnd('\r').Split(','))
            .ToDictionary(f => f[id], f => double.Parse(f[alive], CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task The_summary_and_segments_count_the_customers_whose_p_alive_is_below_the_configured_threshold()
    {
        var alive = await AliveAsync();
        var expected = alive.Values.Count(p => p < Threshold);

        var summary = await (await _client.GetAsync("/api/v1/metrics/summary")).JsonAsync();
        var segments = (await (await _client.GetAsync("/api/v1/segments?by=rfmSegment")).JsonAsync()).GetProperty("segments").EnumerateArray().ToList();

        Assert.Equal(2_357, alive.Count); // every customer of the sample bought by the run's date
        // The setting matters here: the default 0.5 would count fewer.
        Assert.NotEqual(expected, alive.Values.Count(p => p < 0.5));
        Assert.Equal(expected, summary.GetProperty("modelChurnedCustomers").GetInt32());
        Assert.Equal(expected, segments.Sum(s => s.GetProperty("modelChurnedCustomers").GetInt32()));
        Assert.All(segments, s => Assert.InRange(s.GetProperty("modelChurnedCustomers").GetInt32(), 0, s.GetProperty("customers").GetInt32()));
    }

    [Fact]
    public async Task Customers_whose_p_alive_by_lifetimes_is_below_the_threshold_are_model_churned_and_the_others_not()
    {
        // lifetimes: 0.72662, 0.212391, 1, 0.969221, 0.968854, 0.0409298; customer 1 is just above 0.7.
        foreach (var expected in CdnowSample.Lifetimes)
        {
            var customer = await (await _client.GetAsync($"/api/v1/customers/{expected.Customer}")).JsonAsync();

            Assert.Equal(expected.ProbabilityAlive, customer.GetProperty("predicted").GetProperty("probabilityAlive").GetDouble(), 1e-5 * expected.ProbabilityAlive);
            Assert.Equal(expected.ProbabilityAlive < Threshold, customer.GetProperty("modelChurned").GetBoolean());
        }
    }

    [Fact]
    public async Task A_customer_is_model_churned_exactly_when_their_p_alive_is_below_the_threshold()
    {
        // The customers either side of the threshold, where a wrong comparison or threshold shows.
        var alive = await AliveAsync();
        var below = alive.Where(c => c.Value < Threshold).OrderByDescending(c => c.Value).Take(3);
        var above = alive.Where(c => c.Value >= Threshold).OrderBy(c => c.Value).Take(3);

        foreach (var (id, p) in below.Concat(above))
        {
            var customer = await (await _client.GetAsync($"/api/v1/customers/{id}")).JsonAsync();
            Assert.Equal(p, customer.GetProperty("predicted").GetProperty("probabilityAlive").GetDouble());
            Assert.Equal(p < Threshold, customer.GetProperty("modelChurned").GetBoolean());
        }
    }
}
