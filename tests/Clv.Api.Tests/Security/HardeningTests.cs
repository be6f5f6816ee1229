using System.Net;
using System.Text;
using Clv.Api.Tests.Infrastructure;

namespace Clv.Api.Tests.Security;

public sealed class HardeningTests(ClvApiFactory api) : IClassFixture<ClvApiFactory>
{
    [Fact]
    public async Task Responses_carry_security_headers()
    {
        var response = await api.Client().GetAsync("/api/v1/metrics/summary");

        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
        Assert.Equal("no-referrer", response.Headers.GetValues("Referrer-Policy").Single());
        Assert.Contains("default-src 'none'", response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task No_origin_is_allowed_by_default()
    {
        var request = new HttpRequestMessage(HttpMethod.Options, "/api/v1/customers");
        request.Headers.Add("Origin", "https://dashboard.example");
        request.Headers.Add("Access-Control-Request-Method", "GET");

        var response = await api.Client(apiKey: null).SendAsync(request);

        Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task Errors_carry_no_stack_trace_or_sql()
    {
        var body = await (await api.Client().GetAsync("/api/v1/customers?cursor=%27%3B%20DROP%20TABLE%20customers%3B--")).Content.ReadAsStringAsync();

        Assert.DoesNotContain("   at ", body, StringComparison.Ordinal);
        Assert.DoesNotContain("SELECT", body, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(1, await api.ScalarAsync<long>("SELECT count(*) FROM pg_tables WHERE tablename = 'customers'"));
    }
}

/// <summary>CORS for the configured dashboard origins, and Swagger switched off by setting.</summary>
public sealed class ConfiguredHardeningTests(ConfiguredHardeningTests.Api api) : IClassFixture<ConfiguredHardeningTests.Api>
{
    public sealed class Api : IAsyncLifetime
    {
        public ClvApiFactory Factory { get; } = new ClvApiFactory()
            .With("Clv:Http:CorsOrigins:0", "https://dashboard.example")
            .With("Clv:Http:SwaggerEnabled", "false")
            .With("Clv:Http:MaxCsvBodyBytes", "2000");

        public Task InitializeAsync() => Factory.InitializeAsync();

        public Task DisposeAsync() => ((IAsyncLifetime)Factory).DisposeAsync();
    }

    [Fact]
    public async Task A_configured_dashboard_origin_is_allowed()
    {
        var request = new HttpRequestMessage(HttpMethod.Options, "/api/v1/customers");
        request.Headers.Add("Origin", "https://dashboard.example");
        request.Headers.Add("Access-Control-Request-Method", "GET");
        request.Headers.Add("Access-Control-Request-Headers", "X-Api-Key");

        var response = await api.Factory.Client(apiKey: null).SendAsync(request);

        Assert.Equal("https://dashboard.example", response.Headers.GetValues("Access-Control-Allow-Origin").Single());
    }

    [Fact]
    public async Task A_streamed_csv_over_its_limit_is_413_problem_and_stores_nothing()
    {
        var csv = "external_id,customer_external_id,occurred_at,type,amount,currency\n"
            + string.Concat(Enumerable.Range(0, 100).Select(i => $"lim-{i},lim-c,2024-01-01T10:00:00Z,purchase,1,USD\n"));
        var content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(csv))); // no Content-Length: chunked
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("text/csv");
        content.Headers.ContentLength = null;

        var response = await api.Factory.Client().PostAsync("/api/v1/transactions/import?atomic=true", content);

        await response.ProblemAsync(HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal(0, await api.Factory.ScalarAsync<long>("SELECT count(*) FROM transactions"));
    }

    [Fact]
    public async Task Swagger_can_be_switched_off()
    {
        var response = await api.Factory.Client(apiKey: null).GetAsync("/swagger/v1/swagger.json");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode); // no longer served: an unknown, authenticated route
    }
}

public sealed class BodyLimitTests(ClvApiFactory api) : IClassFixture<ClvApiFactory>
{
    [Fact]
    public async Task A_json_body_over_ten_megabytes_is_413_problem()
    {
        // 5,000 items (under the batch limit) of 2,200 characters each: the bytes, not the count, exceed the limit.
        var body = "{\"transactions\":[" + string.Join(',', Enumerable.Repeat("{\"externalId\":\"" + new string('x', 2_200) + "\"}", 5_000)) + "]}";
        Assert.True(Encoding.UTF8.GetByteCount(body) > 10 * 1024 * 1024);

        var response = await api.Client().PostAsync("/api/v1/transactions", new StringContent(body, Encoding.UTF8, "application/json"));

        await response.ProblemAsync(HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal(0, await api.ScalarAsync<long>("SELECT count(*) FROM transactions"));
    }
}
