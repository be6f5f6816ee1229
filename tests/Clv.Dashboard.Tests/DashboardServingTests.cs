using System.Net;
using Clv.Dashboard.Tests.Infrastructure;

namespace Clv.Dashboard.Tests;

/// <summary>How the API serves the page: anonymous, with its own CSP, cached by content hash.</summary>
[Collection(SharedDashboardSite.Name)]
public sealed class DashboardServingTests(DashboardSite site) : IDisposable
{
    private readonly HttpClient _anonymous = new(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = site.Address };

    public void Dispose() => _anonymous.Dispose();

    [Fact]
    public async Task Root_redirects_to_the_dashboard()
    {
        var response = await _anonymous.GetAsync("/");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/dashboard/", response.Headers.Location?.ToString());
    }

    [Fact]
    public async Task Page_is_anonymous_checked_on_every_load_and_may_run_only_its_own_scripts()
    {
        var response = await _anonymous.GetAsync("/dashboard/");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("no-cache", response.Headers.CacheControl?.ToString());
        var csp = response.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("script-src 'self';", csp, StringComparison.Ordinal);
        Assert.Contains("connect-src 'self';", csp, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Scripts_named_by_their_hash_are_cached_for_a_year()
    {
        var page = await _anonymous.GetStringAsync("/dashboard/");
        var script = System.Text.RegularExpressions.Regex.Match(page, "src=\"(/dashboard/app-[A-Z0-9]+\\.js)\"").Groups[1].Value;

        var response = await _anonymous.GetAsync(script);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("public, max-age=31536000, immutable", response.Headers.CacheControl?.ToString());
    }

    [Fact]
    public async Task Api_still_needs_a_key()
    {
        Assert.Equal(HttpStatusCode.Unauthorized, (await _anonymous.GetAsync("/api/v1/metrics/summary")).StatusCode);
    }
}
