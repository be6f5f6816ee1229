using System.Net;
using System.Net.Http.Json;
using Clv.Api.Tests.Infrastructure;

namespace Clv.Api.Tests.Observability;

/// <summary>
/// The scrape endpoint on the API's own port (<c>Clv:Metrics:Enabled</c> without a port): never
/// anonymous, an <c>admin</c> key only. And off by default.
/// </summary>
public sealed class MetricsOnApiPortTests(MetricsOnApiPortTests.Api api) : IClassFixture<MetricsOnApiPortTests.Api>
{
    public sealed class Api : IAsyncLifetime
    {
        public ClvApiFactory Factory { get; } = new ClvApiFactory().With("Clv:Metrics:Enabled", "true");

        public ClvApiFactory Default { get; } = new();

        public async Task InitializeAsync()
        {
            await Factory.InitializeAsync();
            await Default.InitializeAsync();
        }

        public async Task DisposeAsync()
        {
            await ((IAsyncLifetime)Factory).DisposeAsync();
            await ((IAsyncLifetime)Default).DisposeAsync();
        }
    }

    [Fact]
    public async Task The_endpoint_on_the_api_port_answers_an_admin_key_only()
    {
        var created = await api.Factory.Client().PostAsJsonAsync("/api/v1/api-keys", new { name = "dashboard", scopes = new[] { "read", "ingest" } });
        var readKey = (await created.JsonAsync(HttpStatusCode.Created)).GetProperty("key").GetString();

        Assert.Equal(HttpStatusCode.Unauthorized, (await api.Factory.Client(apiKey: null).GetAsync("/metrics")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await api.Factory.Client(readKey).GetAsync("/metrics")).StatusCode);
        var scraped = await api.Factory.Client().GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, scraped.StatusCode);
        Assert.Contains("http_server_request_duration_seconds", await scraped.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_endpoint_is_off_by_default()
    {
        Assert.Equal(HttpStatusCode.NotFound, (await api.Default.Client().GetAsync("/metrics")).StatusCode);
    }
}
