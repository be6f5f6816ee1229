using System.Net;
using Clv.Api.Tests.Infrastructure;
using static Clv.Api.Tests.Infrastructure.HttpAssertions;

namespace Clv.Api.Tests.Portfolio;

/// <summary>
/// <c>GET /api/v1/segments?fields=…</c> over CDNOW's sample with two channels: each segment shows
/// <c>key</c>, <c>health</c> and the figures named, each equal to the full answer's (whose figures
/// <c>SegmentQueryTests</c> checks against the in-memory report), in JSON and CSV; a name that is
/// not a figure is a 400 naming it.
/// </summary>
public sealed class SegmentFieldsTests(ClvApiFactory api) : IClassFixture<ClvApiFactory>, IAsyncLifetime
{
    private readonly HttpClient _client = api.Client();

    public async Task InitializeAsync()
    {
        if (await api.ScalarAsync<long>("SELECT count(*) FROM customers") > 0)
        {
            return;
        }

        (await _client.PostCsvAsync(CdnowSample.Csv())).EnsureSuccessStatusCode();
        (await _client.PostCustomersAsync(
            new { externalId = CdnowSample.Purchases[0].Customer, acquisitionChannel = "ads", country = "US" },
            new { externalId = CdnowSample.Purchases[^1].Customer, acquisitionChannel = "organic", country = "DE" })).EnsureSuccessStatusCode();
    }

    public Task DisposeAsync() => Task.CompletedTask;

    // Each asks for the figures of one part of the computation, or none, or all of them but one.
    public static TheoryData<string, string, string> Questions()
    {
        var data = new TheoryData<string, string, string>();
        string[] fieldSets =
        [
            "customers,customerEquity,predictedCustomerEquity,avgHistoricalClv,revenueShare",
            "medianHistoricalClv",
            "activeCustomers, retentionRate, churnRate, periodChurnRate",
            "formulaClv,arpuMonthly,monthlyChurnRate,grossMargin",
            "churnedCustomers,mrr,residualValue,paybackMonths,cac,customers",
            "key,health,newCustomers",
            "repeatCustomers,repeatPurchaseRate,modelChurnedCustomers,clvToCac,predictedClvToCac",
        ];
        foreach (var by in new[] { "clvTier", "rfmSegment", "country", "acquisitionChannel" })
        {
            foreach (var asOf in new[] { "", "1997-12-31", "1998-02-17" })
            {
                foreach (var fields in fieldSets)
                {
                    data.Add(by, asOf, fields);
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Questions))]
    public async Task Segments_show_key_health_and_the_figures_asked_each_as_the_full_answer_has_it(string by, string asOf, string fields)
    {
        var query = $"/api/v1/segments?by={by}{(asOf == "" ? "" : "&asOf=" + asOf)}";
        var full = (await (await _client.GetAsync(query)).JsonAsync()).GetProperty("segments").EnumerateArray().ToList();
        var some = (await (await _client.GetAsync($"{query}&fields={Uri.EscapeDataString(fields)}")).JsonAsync()).GetProperty("segments").EnumerateArray().ToList();

        var asked = fields.Split(',', StringSplitOptions.TrimEntries).ToHashSet();
        Assert.NotEmpty(full);
        Assert.Equal(full.Select(s => s.GetProperty("key").GetString()), some.Select(s => s.GetProperty("key").GetString()));
        for (var i = 0; i < full.Count; i++)
        {
            var shown = some[i].EnumerateObject().Select(p => p.Name).ToHashSet();
            Assert.Equal(asked.Union(["key", "health"]).Order(StringComparer.Ordinal), shown.Order(StringComparer.Ordinal), StringComparer.Ordinal);
            foreach (var name in shown)
            {
                Assert.Equal(full[i].GetProperty(name).GetRawText(), some[i].GetProperty(name).GetRawText());
            }
        }

        // The full answer after the partial one: a kept partial answer never serves it.
        var again = (await (await _client.GetAsync(query)).JsonAsync()).GetProperty("segments").EnumerateArray().ToList();
        Assert.Equal(full.Select(s => s.GetRawText()), again.Select(s => s.GetRawText()));
    }

    [Fact]
    public async Task The_csv_has_the_key_health_and_the_columns_of_the_figures_asked()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/segments?by=acquisitionChannel&fields=customers,predictedCustomerEquityInterval,customerEquity");
        request.Headers.Accept.ParseAdd("text/csv");
        using var response = await _client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var lines = (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal(
            "key,customers,customerEquity,predictedCustomerEquity_lo,predictedCustomerEquity_hi,health.clvToCac,health.payback",
            lines[0].TrimEnd('\r'));
        var json = (await (await _client.GetAsync("/api/v1/segments?by=acquisitionChannel")).JsonAsync()).GetProperty("segments").EnumerateArray()
            .Select(s => $"{s.GetProperty("key").GetString()},{s.GetProperty("customers").GetRawText()},{s.GetProperty("customerEquity").GetRawText()}");
        Assert.Equal(json, lines.Skip(1).Select(l => string.Join(',', l.Split(',').Take(3))));
    }

    [Theory]
    [InlineData("customers,netRevenue", "netRevenue")]
    [InlineData("customers,,customerEquity", "")]
    [InlineData("Customers", "Customers")]
    public async Task A_name_that_is_not_a_figure_is_a_400_naming_it(string fields, string named)
    {
        var problem = await (await _client.GetAsync($"/api/v1/segments?by=clvTier&fields={Uri.EscapeDataString(fields)}")).ProblemAsync(HttpStatusCode.BadRequest);

        var error = problem.GetProperty("errors").GetProperty("fields").EnumerateArray().Single().GetString()!;
        Assert.StartsWith($"'{named}' is not a segment figure.", error, StringComparison.Ordinal);
        Assert.Contains("customerEquity", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Fields_longer_than_its_limit_are_a_400()
    {
        var fields = string.Join(',', Enumerable.Repeat("customers", 110));

        await (await _client.GetAsync($"/api/v1/segments?fields={fields}")).ProblemAsync(HttpStatusCode.BadRequest);
    }
}
