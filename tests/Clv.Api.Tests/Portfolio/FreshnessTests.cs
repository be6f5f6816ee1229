using System.Net.Http.Headers;
using Clv.Api.Tests.Infrastructure;
using static Clv.Api.Tests.Infrastructure.HttpAssertions;

namespace Clv.Api.Tests.Portfolio;

/// <summary>
/// Every analytics answer says how current it is: <c>dataThrough</c> in JSON, the
/// <c>Clv-Data-Through</c> header on CSV, a time before which every acknowledged write is in the
/// answer. The test PostgreSQL runs on this machine, so its clock and the test's are one.
/// </summary>
public sealed class FreshnessTests(ClvApiFactory api) : IClassFixture<ClvApiFactory>
{
    private readonly HttpClient _client = api.Client();

    public static TheoryData<string> Endpoints => new()
    {
        "/api/v1/metrics/summary",
        "/api/v1/segments?by=acquisitionChannel",
        "/api/v1/metrics/timeseries?metric=netRevenue",
        "/api/v1/cohorts",
    };

    // A purchase of a customer of its own, after the facts were loaded by a read of the same path;
    // the time its answer arrived.
    private async Task<DateTimeOffset> WriteAfterAReadAsync(string path)
    {
        (await _client.GetAsync(path)).EnsureSuccessStatusCode();
        var id = Guid.NewGuid().ToString("N");
        (await _client.PostTransactionsAsync(Tx(id, "c-" + id, "2024-01-10T12:00:00Z"))).EnsureSuccessStatusCode();
        return DateTimeOffset.UtcNow;
    }

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task A_write_acknowledged_before_a_read_is_within_the_answers_dataThrough(string path)
    {
        var acknowledged = await WriteAfterAReadAsync(path);

        var body = await (await _client.GetAsync(path)).JsonAsync();
        var answered = DateTimeOffset.UtcNow;

        Assert.InRange(body.GetProperty("dataThrough").GetDateTimeOffset(), acknowledged, answered);
    }

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task A_csv_answer_carries_dataThrough_in_the_Clv_Data_Through_header(string path)
    {
        var acknowledged = await WriteAfterAReadAsync(path);

        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/csv"));
        var response = await _client.SendAsync(request);
        var answered = DateTimeOffset.UtcNow;

        response.EnsureSuccessStatusCode();
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        var header = Assert.Single(response.Headers.GetValues("Clv-Data-Through"));
        Assert.InRange(DateTimeOffset.Parse(header, System.Globalization.CultureInfo.InvariantCulture), acknowledged, answered);
    }

    [Fact]
    public async Task Without_a_write_since_the_facts_were_read_an_answer_is_current_through_its_own_version_check()
    {
        (await _client.GetAsync("/api/v1/metrics/summary")).EnsureSuccessStatusCode();
        var afterTheLoad = DateTimeOffset.UtcNow;

        // Answered from the facts read before, which the read's version check finds current.
        var body = await (await _client.GetAsync("/api/v1/metrics/summary")).JsonAsync();

        Assert.True(body.GetProperty("dataThrough").GetDateTimeOffset() >= afterTheLoad);
    }
}

/// <summary>
/// Under <c>Clv:Analytics:MaxStalenessSeconds</c> an answer may miss a write, and then its
/// <c>dataThrough</c> says so: it stays at the last version check, before the write.
/// </summary>
public sealed class StaleFreshnessTests(StaleFreshnessTests.StaleApi api) : IClassFixture<StaleFreshnessTests.StaleApi>
{
    private readonly HttpClient _client = api.Factory.Client();

    public sealed class StaleApi() : ConfiguredApi(api => api.With("Clv:Analytics:MaxStalenessSeconds", "3600"));

    [Fact]
    public async Task An_answer_that_misses_a_write_says_dataThrough_before_the_write()
    {
        (await _client.PostTransactionsAsync(Tx("s-1", "a", amount: 10m))).EnsureSuccessStatusCode();
        (await _client.GetAsync("/api/v1/metrics/summary")).EnsureSuccessStatusCode();
        (await _client.PostTransactionsAsync(Tx("s-2", "b", amount: 20m))).EnsureSuccessStatusCode();
        var acknowledged = DateTimeOffset.UtcNow;

        var body = await (await _client.GetAsync("/api/v1/metrics/summary")).JsonAsync();

        Assert.Equal(10m, body.Dec("netRevenue")); // served within the staleness allowed: b's purchase is missing
        Assert.True(body.GetProperty("dataThrough").GetDateTimeOffset() < acknowledged);
    }
}

/// <summary>
/// The service's default kind of freshness, with a bound of 4 s: a kept answer is served within
/// the bound; one past half of it is served while a refresh runs in the background, which brings
/// the write in without any reader waiting; one past the whole bound with no refresh under way is
/// computed again before it is served, so no answer is older than the bound when answers compute
/// quickly (docs/read-model.md, "Answers and freshness").
/// </summary>
public sealed class RefreshAheadTests(RefreshAheadTests.BoundedApi api) : IClassFixture<RefreshAheadTests.BoundedApi>
{
    private const int BoundSeconds = 4;
    private readonly HttpClient _client = api.Factory.Client();

    public sealed class BoundedApi() : ConfiguredApi(api => api.With("Clv:Analytics:MaxStalenessSeconds", BoundSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture)));

    private async Task<decimal> NetRevenueAsync() => (await (await _client.GetAsync("/api/v1/metrics/summary")).JsonAsync()).Dec("netRevenue");

    [Fact]
    public async Task A_write_shows_after_half_the_bound_through_a_background_refresh_and_always_after_the_bound()
    {
        (await _client.PostTransactionsAsync(Tx("ra-1", "a", amount: 10m))).EnsureSuccessStatusCode();
        Assert.Equal(10m, await NetRevenueAsync()); // computed: nothing was kept
        var checkedAt = DateTime.UtcNow;

        (await _client.PostTransactionsAsync(Tx("ra-2", "b", amount: 20m))).EnsureSuccessStatusCode();
        Assert.Equal(10m, await NetRevenueAsync()); // within the bound: the kept answer

        // Past half the bound: served as kept while a refresh runs; the refresh brings the write in.
        await Task.Delay(checkedAt.AddSeconds(BoundSeconds * 0.6) - DateTime.UtcNow);
        var deadline = checkedAt.AddSeconds(BoundSeconds * 0.95);
        decimal seen;
        while ((seen = await NetRevenueAsync()) != 30m && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        Assert.Equal(30m, seen);

        // A write, then a read past the whole bound of the kept answer: computed before it is served.
        (await _client.PostTransactionsAsync(Tx("ra-3", "c", amount: 40m))).EnsureSuccessStatusCode();
        await Task.Delay(TimeSpan.FromSeconds(BoundSeconds + 0.2));
        Assert.Equal(70m, await NetRevenueAsync());
    }
}
