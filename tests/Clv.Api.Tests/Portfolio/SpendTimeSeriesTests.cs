using Clv.Api.Tests.Infrastructure;
using static Clv.Api.Tests.Infrastructure.HttpAssertions;

namespace Clv.Api.Tests.Portfolio;

/// <summary>
/// The spend time series on the CDNOW sample, whose customers keep buying month after month: in
/// customer id order, every fourth customer is unattributed and the others take the channels
/// search, tv and social in turn; search spent 5,000, tv 30,000 and social 10,000, each over
/// 1997-01-01..03-31 (90 days), so 500 a day in all.
/// </summary>
public sealed class SpendTimeSeriesTests(ClvApiFactory api) : IClassFixture<ClvApiFactory>, IAsyncLifetime
{
    private const string From = "1997-01-01";
    private const string To = "1997-08-31";
    private static readonly string[] Channels = ["search", "tv", "social"];
    private readonly HttpClient _client = api.Client();

    public async Task InitializeAsync()
    {
        if (await api.ScalarAsync<long>("SELECT count(*) FROM customers") > 0)
        {
            return;
        }

        var customers = CdnowSample.Purchases.Select(p => p.Customer).Distinct().Order(StringComparer.Ordinal)
            .Select((id, i) => new { externalId = id, acquisitionChannel = i % 4 == 3 ? null : Channels[i % 4] });
        (await _client.PostCustomersAsync([.. customers])).EnsureSuccessStatusCode();
        (await _client.PostCsvAsync(CdnowSample.Csv())).EnsureSuccessStatusCode();
        (await _client.PostSpendAsync(
            new { channel = "search", periodStart = "1997-01-01", periodEnd = "1997-03-31", amount = 5_000m, currency = "USD" },
            new { channel = "tv", periodStart = "1997-01-01", periodEnd = "1997-03-31", amount = 30_000m, currency = "USD" },
            new { channel = "social", periodStart = "1997-01-01", periodEnd = "1997-03-31", amount = 10_000m, currency = "USD" }))
            .EnsureSuccessStatusCode();
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Monthly_spend_is_the_spend_prorated_by_days_and_nothing_after_it_ends()
    {
        var body = await (await _client.GetAsync($"/api/v1/metrics/timeseries?metric=spend&period=month&from={From}&to={To}")).JsonAsync();
        var points = body.GetProperty("series").EnumerateArray().Single().GetProperty("points").EnumerateArray();

        // 45,000 over 90 days = 500 a day: January 31 days, February 28, March 31, then none.
        Assert.Equal([15_500m, 14_000m, 15_500m, 0m, 0m, 0m, 0m, 0m], points.Select(p => p.Dec("value")));
    }

    [Fact]
    public async Task Each_channels_monthly_spend_equals_its_segment_spend_over_that_month()
    {
        var body = await (await _client.GetAsync($"/api/v1/metrics/timeseries?metric=spend&period=month&from={From}&to={To}&by=acquisitionChannel")).JsonAsync();
        var series = body.GetProperty("series").EnumerateArray()
            .SelectMany(s => s.GetProperty("points").EnumerateArray().Select(p => (
                Key: s.GetProperty("key").GetString()!,
                Start: p.GetProperty("start").GetString()!,
                End: p.GetProperty("end").GetString()!,
                Spend: p.Dec("value"))))
            .OrderBy(p => p.Key, StringComparer.Ordinal).ThenBy(p => p.Start, StringComparer.Ordinal)
            .ToList();

        var segments = new List<(string Key, string Start, string End, decimal Spend)>();
        foreach (var (start, end) in series.Select(p => (p.Start, p.End)).Distinct())
        {
            var month = await (await _client.GetAsync($"/api/v1/segments?by=acquisitionChannel&from={start}&to={end}")).JsonAsync();
            segments.AddRange(month.GetProperty("segments").EnumerateArray().Select(s => (s.GetProperty("key").GetString()!, start, end, s.Dec("spend"))));
        }

        Assert.Equal(8 * 4, series.Count); // January..August for search, tv, social and unattributed
        Assert.Equal(segments.OrderBy(p => p.Key, StringComparer.Ordinal).ThenBy(p => p.Start, StringComparer.Ordinal), series);
    }
}
