using System.Net;
using Clv.Api.Tests.Infrastructure;

namespace Clv.Api.Tests.Security;

/// <summary>A bucket of 3 requests refilled at 1 per second, per API key.</summary>
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
        var client = api.Factory.Client();
        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? limited = null;
        for (var i = 0; i < 6; i++)
        {
            var response = await client.GetAsync("/api/v1/metrics/summary");
            statuses.Add(response.StatusCode);
            limited ??= response.StatusCode == HttpStatusCode.TooManyRequests ? response : null;
        }

        Assert.Contains(HttpStatusCode.TooManyRequests, statuses);
        Assert.True(int.Parse(limited!.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture) >= 1);
        await limited.ProblemAsync(HttpStatusCode.TooManyRequests);
        Assert.Equal(HttpStatusCode.Unauthorized, (await api.Factory.Client("another-key").GetAsync("/api/v1/metrics/summary")).StatusCode);
    }
}
