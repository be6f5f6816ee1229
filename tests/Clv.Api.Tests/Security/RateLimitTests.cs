using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using Clv.Api.Tests.Infrastructure;

namespace Clv.Api.Tests.Security;

/// <summary>
/// A bucket of 3 requests, per authenticated API key, and per client address for requests without
/// a valid key (the test server's requests all come from one). It regains one request every 1,000
/// seconds, so none comes back while a test runs: the counts are exact, however slow the machine.
/// </summary>
public sealed class RateLimitTests(RateLimitTests.Api api) : IClassFixture<RateLimitTests.Api>
{
    public sealed class Api() : ConfiguredApi(api => api
        .With("Clv:RateLimit:BurstLimit", "3")
        .With("Clv:RateLimit:RequestsPerSecond", "0.001"));

    [Fact]
    public async Task A_key_over_its_rate_gets_429_with_retry_after_and_another_key_is_unaffected()
    {
        // The second key is made first: making it is the first of the admin key's three requests.
        var created = await api.Factory.Client().PostAsJsonAsync("/api/v1/api-keys", new { name = "second", scopes = new[] { "read" } });
        var second = (await created.JsonAsync(HttpStatusCode.Created)).GetProperty("key").GetString();

        var responses = await SendSixAsync(() => api.Factory.Client());

        Assert.Equal(
            [HttpStatusCode.OK, HttpStatusCode.OK, .. Enumerable.Repeat(HttpStatusCode.TooManyRequests, 4)],
            responses.Select(r => r.StatusCode));
        var limited = responses[2];
        Assert.True(int.Parse(limited.Headers.GetValues("Retry-After").Single(), CultureInfo.InvariantCulture) >= 1);
        await limited.ProblemAsync(HttpStatusCode.TooManyRequests);
        Assert.Equal(HttpStatusCode.OK, (await api.Factory.Client(second).GetAsync("/api/v1/metrics/summary")).StatusCode);
    }

    [Fact]
    public async Task Requests_with_rotating_invalid_keys_from_one_address_are_limited_together()
    {
        // Six made-up keys: were buckets keyed on the header, each would have a full one and get 401.
        var keys = new Queue<string>(Enumerable.Range(0, 6).Select(i => $"clv_made-up-{i}-{Guid.NewGuid():N}"));

        var responses = await SendSixAsync(() => api.Factory.Client(keys.Dequeue()));

        Assert.Equal(
            [.. Enumerable.Repeat(HttpStatusCode.Unauthorized, 3), .. Enumerable.Repeat(HttpStatusCode.TooManyRequests, 3)],
            responses.Select(r => r.StatusCode));
        await responses[3].ProblemAsync(HttpStatusCode.TooManyRequests);
    }

    // Six requests in a row, each from a client made for it.
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
