using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Clv.Api.Authentication;
using Clv.Api.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Clv.Api.Tests.Security;

/// <summary>
/// One address floods the API with made-up keys; a client with a valid key, at another address,
/// reads. The service runs with its default limits.
/// </summary>
public sealed class KeyFloodTests(ClvApiFactory api) : IClassFixture<ClvApiFactory>
{
    private const int Flood = 2_000;
    private const string Attacker = "203.0.113.66";
    private const string Dashboard = "198.51.100.5";

    [Fact]
    public async Task Two_thousand_made_up_keys_are_mostly_refused_before_any_lookup_and_a_valid_read_still_answers_at_once()
    {
        var created = await api.Client().PostAsJsonAsync("/api/v1/api-keys", new { name = "dashboard", scopes = new[] { "read" } });
        var key = (await created.JsonAsync(HttpStatusCode.Created)).GetProperty("key").GetString()!;
        var baseline = await TimedReadsAsync(key, 20);

        var clock = Stopwatch.StartNew();
        var statuses = new List<int>(Flood);
        for (var i = 0; i < Flood; i++)
        {
            statuses.Add(await StatusAsync(Attacker, $"clv_{Guid.NewGuid():N}{Guid.NewGuid():N}"));
        }

        var elapsed = clock.Elapsed;
        var after = await TimedReadsAsync(key, 5);

        Assert.All(statuses, s => Assert.True(s is 401 or 429, $"A made-up key got {s}."));
        // Only the lookups the address's budget allows reach the database: 100 at once, 10 a second.
        var lookedUp = statuses.Count(s => s == 401);
        Assert.True(lookedUp <= 100 + (10 * elapsed.TotalSeconds) + 10, $"{lookedUp} of {Flood} made-up keys were looked up in {elapsed}.");
        Assert.True(statuses.Count(s => s == 429) > Flood / 2, $"Only {statuses.Count(s => s == 429)} of {Flood} made-up keys were refused as over the rate.");
        Assert.All(after.Statuses, s => Assert.Equal(200, s));
        Assert.True(after.Median <= (baseline.Median * 10) + TimeSpan.FromMilliseconds(100), $"A valid read took {after.Median} after the flood, {baseline.Median} before.");
        Assert.InRange(api.Services.GetRequiredService<ApiKeyStore>().CachedKeys, 0, 1); // only the valid key
    }

    private async Task<(List<int> Statuses, TimeSpan Median)> TimedReadsAsync(string key, int count)
    {
        var statuses = new List<int>();
        var times = new List<TimeSpan>();
        for (var i = 0; i < count; i++)
        {
            var clock = Stopwatch.StartNew();
            statuses.Add(await StatusAsync(Dashboard, key));
            times.Add(clock.Elapsed);
        }

        times.Sort();
        return (statuses, times[times.Count / 2]);
    }

    private async Task<int> StatusAsync(string address, string key)
    {
        var context = await api.Server.SendAsync(c =>
        {
            c.Connection.RemoteIpAddress = IPAddress.Parse(address);
            c.Request.Method = HttpMethods.Get;
            c.Request.Path = "/api/v1/metrics/summary";
            c.Request.Headers[ApiKeyAuthenticationHandler.HeaderName] = key;
        });
        return context.Response.StatusCode;
    }
}

/// <summary>One key lookup a second per address, no burst: requests missing the cache at once must share it.</summary>
public sealed class KeyLookupSharingTests(KeyLookupSharingTests.Api api) : IClassFixture<KeyLookupSharingTests.Api>
{
    public sealed class Api() : ConfiguredApi(api => api
        .With("Clv:RateLimit:KeyLookupBurstLimit", "1")
        .With("Clv:RateLimit:KeyLookupsPerSecond", "1")
        .With("Auth:CacheSeconds", "30"));

    [Fact]
    public async Task Forty_requests_at_once_with_a_key_not_yet_remembered_share_one_lookup()
    {
        var created = await api.Factory.Client().PostAsJsonAsync("/api/v1/api-keys", new { name = "busy", scopes = new[] { "read" } });
        var key = (await created.JsonAsync(HttpStatusCode.Created)).GetProperty("key").GetString()!;
        var client = api.Factory.Client(key);
        using var start = new SemaphoreSlim(0);

        var reads = Enumerable.Range(0, 40).Select(async _ =>
        {
            await start.WaitAsync();
            return (await client.GetAsync("/api/v1/model-runs")).StatusCode;
        }).ToList();
        start.Release(40);

        Assert.All(await Task.WhenAll(reads), s => Assert.Equal(HttpStatusCode.OK, s));
    }

    [Fact]
    public async Task A_request_that_missed_the_cache_just_before_a_lookup_ended_uses_what_it_found()
    {
        // The race of the test above, made deterministic: a request finds the key neither
        // remembered nor being looked up, because another request's lookup ended in between.
        // It must take the remembered key, not start a lookup of its own (its address may be
        // out of lookups: here, none is allowed).
        var created = await api.Factory.Client().PostAsJsonAsync("/api/v1/api-keys", new { name = "raced", scopes = new[] { "read" } });
        var key = (await created.JsonAsync(HttpStatusCode.Created)).GetProperty("key").GetString()!;
        var store = api.Factory.Services.GetRequiredService<ApiKeyStore>();

        var first = await store.LookUpAsync(key, () => true, CancellationToken.None);
        var second = await store.LookUpAsync(key, () => false, CancellationToken.None);

        Assert.Equal(["read"], first!.Scopes);
        Assert.Same(first, second);
    }
}
