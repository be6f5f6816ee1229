using System.Net;
using Clv.Api.Tests.Infrastructure;
using static Clv.Api.Tests.Infrastructure.HttpAssertions;

namespace Clv.Api.Tests.Portfolio;

/// <summary>
/// <c>Clv:Analytics:MaxGroups</c> set to 5 over six customers G1..G6, each of a channel and a
/// country of its own, with the attribute <c>six</c> (six values) and <c>five</c> (five: G6
/// shares G1's). Channels and attributes over the limit are refused; countries, bounded by
/// ISO 3166-1, are not limited.
/// </summary>
public sealed class MaxGroupsTests(MaxGroupsTests.FiveGroupsApi api) : IClassFixture<MaxGroupsTests.FiveGroupsApi>
{
    private readonly HttpClient _client = api.Factory.Client();

    public sealed class FiveGroupsApi : IAsyncLifetime
    {
        public ClvApiFactory Factory { get; } = new ClvApiFactory().With("Clv:Analytics:MaxGroups", "5");

        public async Task InitializeAsync()
        {
            await Factory.InitializeAsync();
            string[] countries = ["US", "DE", "FR", "GB", "JP", "BR"];
            var customers = Enumerable.Range(1, 6).Select(i => new
            {
                externalId = $"G{i}",
                acquiredAt = "2024-01-05T09:00:00Z",
                acquisitionChannel = $"channel-{i}",
                country = countries[i - 1],
                attributes = new { six = $"v{i}", five = $"v{(i == 6 ? 1 : i)}" },
            });
            (await Factory.Client().PostCustomersAsync([.. customers])).EnsureSuccessStatusCode();
        }

        public Task DisposeAsync() => ((IAsyncLifetime)Factory).DisposeAsync();
    }

    private static string Path(string endpoint, string by) => endpoint == "segments"
        ? $"/api/v1/segments?by={by}"
        : $"/api/v1/metrics/timeseries?metric=newCustomers&from=2024-01-01&to=2024-03-31&by={by}";

    [Theory]
    [InlineData("segments", "attribute:six")]
    [InlineData("timeseries", "attribute:six")]
    [InlineData("segments", "acquisitionChannel")]
    [InlineData("timeseries", "acquisitionChannel")]
    public async Task A_grouping_with_more_values_than_the_limit_is_400_naming_the_grouping_its_values_and_the_limit(string endpoint, string by)
    {
        var problem = await (await _client.GetAsync(Path(endpoint, by))).ProblemAsync(HttpStatusCode.BadRequest);

        Assert.Equal("Too many groups", problem.GetProperty("title").GetString());
        Assert.Equal(by, problem.GetProperty("by").GetString());
        Assert.Equal(6, problem.Long("values"));
        Assert.Equal(5, problem.Long("maxGroups"));
        Assert.Equal(
            $"{by} has 6 distinct values, more than the 5 groups allowed (Clv:Analytics:MaxGroups). Group by something with fewer values.",
            problem.GetProperty("errors").GetProperty("by")[0].GetString());
    }

    // The keys of the segments, or of the series, in order.
    private async Task<string[]> GroupKeysAsync(string endpoint, string by)
    {
        var body = await (await _client.GetAsync(Path(endpoint, by))).JsonAsync();
        return [.. body.GetProperty(endpoint == "segments" ? "segments" : "series").EnumerateArray().Select(g => g.GetProperty("key").GetString()!).Order()];
    }

    [Theory]
    [InlineData("segments")]
    [InlineData("timeseries")]
    public async Task A_grouping_with_as_many_values_as_the_limit_answers_every_group(string endpoint)
    {
        Assert.Equal(["v1", "v2", "v3", "v4", "v5"], await GroupKeysAsync(endpoint, "attribute:five"));
    }

    [Theory]
    [InlineData("segments")]
    [InlineData("timeseries")]
    public async Task Countries_bounded_by_iso_3166_are_not_limited(string endpoint)
    {
        Assert.Equal(["BR", "DE", "FR", "GB", "JP", "US"], await GroupKeysAsync(endpoint, "country"));
    }
}
