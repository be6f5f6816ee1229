using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using Clv.Api.Tests.Infrastructure;

namespace Clv.Api.Tests.Security;

/// <summary>
/// A bucket of 3 requests refilled at 1 per second, per authenticated API key, and per client
/// address for requests without a valid key (the test server's requests all come from one).
/// </summary>
public sealed class RateLimitTests(RateLimitTests.Api api) : IClassFixture<RateLimitTests.Api>
{
    public sealed class Api : IAsyncLifetime
    {
        public ClvApiFactory Factory { get; } = new ClvApiFactory()
            .With("Clv:RateLimit:BurstLimit", "3")
            .With("Clv:RateLimit:RequestsPerSecond", "1");

        public Task InitializeAsync() => Factory.InitializeAsync();

        public Task DisposeAsync() => ((IAsyncLifetime)Factory).DisposeAsync();
    }

    [Fact]
    public async Task A_key_over_its_rate_gets_429_with_retry_after_and_another_key_is_unaffected()
    {
        // The second key is made first: making it is a request of the admin key's too.
        var created = await api.Factory.Client().PostAsJsonAsync("/api/v1/api-keys", new { name = "second", scopes = new[] { "read" } });
        var second = (await created.JsonAsync(HttpStatusCode.Created)).GetProperty("key").GetString();

        var statuses = await SendSixAsync(() => api.Factory.Client());

        var limited = Assert.Single(statuses.Where(r => r.StatusCode == HttpStatusCode.TooManyRequests).Take(1));
        Assert.True(int.Parse(limited.Headers.GetValues("Retry-After").Single(), CultureInfo.InvariantCulture) >= 1);
        await limited.ProblemAsync(HttpStatusCode.TooManyRequests);
        Assert.Equal(HttpStatusCode.OK, (await api.Factory.Client(second).GetAsync("/api/v1/metrics/summary")).StatusCode);
    }

    [Fact]
    public async Task Requests_with_rotating_invalid_keys_from_one_address_are_limited_together()
    {
        // Six made-up keys: were buckets keyed on the header, each would have a full one and get 401.
        var keys = new Queue<string>(Enumerable.Range(0, 6).Select(i => $"clv_made-up-{i}-{Guid.NewGuid():N}"));

        var statuses = await SendSixAsync(() => api.Factory.Client(keys.Dequeue()));

        Assert.Equal(HttpStatusCode.Unauthorized, statuses[0].StatusCode);
        await Assert.Single(statuses.Where(r => r.StatusCode == HttpStatusCode.TooManyRequests).Take(1)).ProblemAsync(HttpStatusCode.TooManyRequests);
    }

    // Six requests in a row, each from a client made for it: 3 in the burst, at most 1 or 2 refilled.
    private static async Task<List<HttpResponseMessage>> SendSixAsync(Func<HttpClient> client)
    {
        var responses = new List<HttpResponseMessage>();
        for (var i = 0; i < 6; i++)
        {
            responses.Add(await client().GetAsync("/api/v1/metrics/summary"));
        }

        return responses;
    }
}
