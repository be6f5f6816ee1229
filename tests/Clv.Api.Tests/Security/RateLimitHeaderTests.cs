using System.Globalization;
using System.Net;

namespace Clv.Api.Tests.Security;

/// <summary>
/// Every answer says where its caller's bucket stands (RateLimit-Limit, -Remaining, -Reset), as the
/// OpenAPI document declares. A bucket of 3 that regains one request every 1,000 seconds, so the
/// expected figures are exact: after n requests, 3 - n left and n × 1,000 seconds to refill. The
/// same settings as <see cref="RateLimitTests"/>, in a fixture of its own, so buckets of its own.
/// </summary>
public sealed class RateLimitHeaderTests(RateLimitTests.Api api) : IClassFixture<RateLimitTests.Api>
{
    [Fact]
    public async Task Each_answer_carries_the_callers_bucket_and_a_429_also_retry_after()
    {
        var answers = new List<HttpResponseMessage>();
        for (var i = 0; i < 4; i++)
        {
            answers.Add(await api.Factory.Client().GetAsync("/api/v1/metrics/summary"));
        }

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], answers.Select(a => a.StatusCode));
        Assert.Equal(["3", "3", "3", "3"], answers.Select(a => Header(a, "RateLimit-Limit")));
        Assert.Equal(["2", "1", "0", "0"], answers.Select(a => Header(a, "RateLimit-Remaining")));
        Assert.Equal(["1000", "2000", "3000", "3000"], answers.Select(a => Header(a, "RateLimit-Reset")));
        Assert.True(int.Parse(Header(answers[3], "Retry-After"), CultureInfo.InvariantCulture) >= 1);
    }

    [Fact]
    public async Task An_error_answered_before_the_action_carries_them_too()
    {
        // An unknown key is limited by address, a bucket of its own.
        var answer = await api.Factory.Client($"clv_unknown-{Guid.NewGuid():N}").GetAsync("/api/v1/metrics/summary");

        Assert.Equal(HttpStatusCode.Unauthorized, answer.StatusCode);
        Assert.Equal(("3", "2"), (Header(answer, "RateLimit-Limit"), Header(answer, "RateLimit-Remaining")));
    }

    private static string Header(HttpResponseMessage answer, string name) =>
        answer.Headers.TryGetValues(name, out var values) ? values.Single() : $"(no {name})";
}
