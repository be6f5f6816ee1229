using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Clv.Api.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using static Clv.Api.Tests.Infrastructure.HttpAssertions;

namespace Clv.Api.Tests.Security;

public sealed class HardeningTests(ClvApiFactory api) : IClassFixture<ClvApiFactory>
{
    [Fact]
    public async Task Responses_carry_security_headers()
    {
        var response = await api.Client().GetAsync("/api/v1/metrics/summary");

        AssertSecurityHeaders(response);
    }

    internal static void AssertSecurityHeaders(HttpResponseMessage response)
    {
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
        Assert.Equal("no-referrer", response.Headers.GetValues("Referrer-Policy").Single());
        Assert.Equal("same-origin", response.Headers.GetValues("Cross-Origin-Opener-Policy").Single());
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
    public async Task A_malformed_cursor_is_400_problem_without_a_stack_trace_or_sql()
    {
        var response = await api.Client().GetAsync("/api/v1/customers?cursor=%27%3B%20DROP%20TABLE%20customers%3B--");

        var body = (await response.ProblemAsync(HttpStatusCode.BadRequest)).GetRawText();
        Assert.DoesNotContain("   at ", body, StringComparison.Ordinal);
        Assert.DoesNotContain("SELECT", body, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>
    /// SQL in values that reach a query as parameters (a path's external id, a channel filter, an
    /// attribute key) is data: it matches no customer, and no stored row changes (a hash of every
    /// table before and after). The customers of the book are there, and a plain value finds them,
    /// so a quote that closed the string would have matched them.
    /// </summary>
    [Theory]
    [InlineData("GET", "/api/v1/customers/{0}", "inj-a' OR '1'='1", 404, "")]
    [InlineData("GET", "/api/v1/customers/{0}", "inj-a'; DELETE FROM transactions; --", 404, "")]
    [InlineData("DELETE", "/api/v1/customers/{0}", "inj-a' OR '1'='1", 404, "")]
    [InlineData("DELETE", "/api/v1/customers/{0}", "x'; TRUNCATE customers CASCADE; --", 404, "")]
    [InlineData("GET", "/api/v1/customers?acquisitionChannel={0}", "email' OR '1'='1", 200, "items")]
    [InlineData("GET", "/api/v1/cohorts?asOf=2024-02-29&channel={0}", "email' OR '1'='1", 200, "cohorts")]
    [InlineData("GET", "/api/v1/cohorts?asOf=2024-02-29&channel={0}", "email'; DELETE FROM transactions; --", 200, "cohorts")]
    [InlineData("GET", "/api/v1/segments?asOf=2024-02-29&by=attribute:{0}", "tier', 'x') FROM customers; DELETE FROM transactions; --", 200, "segments")]
    public async Task Sql_in_a_value_that_reaches_a_query_is_data_and_changes_nothing(string method, string path, string payload, int status, string list)
    {
        await SeedInjectionBookAsync();
        var before = await StoredData.FingerprintAsync(api.ConnectionString);

        var response = await api.Client().SendAsync(new HttpRequestMessage(new HttpMethod(method), string.Format(CultureInfo.InvariantCulture, path, Uri.EscapeDataString(payload))));

        var body = await response.JsonAsync((HttpStatusCode)status);
        if (list == "segments")
        {
            // No customer has that key: every one is in the "unknown" segment.
            Assert.Equal("unknown", Assert.Single(body.GetProperty("segments").EnumerateArray()).GetProperty("key").GetString());
        }
        else if (list.Length > 0)
        {
            Assert.Equal(0, body.GetProperty(list).GetArrayLength());
        }

        Assert.Equal(before, await StoredData.FingerprintAsync(api.ConnectionString));
        Assert.Equal(2, await api.ScalarAsync<long>("SELECT count(*) FROM customers WHERE external_id LIKE 'inj-%'"));
    }

    [Fact]
    public async Task The_injection_book_is_found_by_its_plain_values()
    {
        await SeedInjectionBookAsync();
        var client = api.Client();

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/customers/inj-a")).StatusCode);
        Assert.Equal(2, (await (await client.GetAsync("/api/v1/customers?acquisitionChannel=email")).JsonAsync()).GetProperty("items").GetArrayLength());
        Assert.Equal(1, (await (await client.GetAsync("/api/v1/cohorts?asOf=2024-02-29&channel=email")).JsonAsync()).GetProperty("cohorts").GetArrayLength());
        var segments = (await (await client.GetAsync("/api/v1/segments?asOf=2024-02-29&by=attribute:tier")).JsonAsync()).GetProperty("segments");
        Assert.Equal(["gold", "silver"], segments.EnumerateArray().Select(s => s.GetProperty("key").GetString()).Order(StringComparer.Ordinal));
    }

    // Two customers of one channel and cohort, with an attribute and a purchase each.
    private async Task SeedInjectionBookAsync()
    {
        var client = api.Client(); // starts the host, which migrates the database
        if (await api.ScalarAsync<long>("SELECT count(*) FROM customers WHERE external_id LIKE 'inj-%'") > 0)
        {
            return;
        }

        (await client.PostCustomersAsync(
            new { externalId = "inj-a", acquiredAt = "2024-01-05T10:00:00Z", acquisitionChannel = "email", attributes = new Dictionary<string, string> { ["tier"] = "gold" } },
            new { externalId = "inj-b", acquiredAt = "2024-01-07T10:00:00Z", acquisitionChannel = "email", attributes = new Dictionary<string, string> { ["tier"] = "silver" } })).EnsureSuccessStatusCode();
        (await client.PostTransactionsAsync(Tx("inj-1", "inj-a", "2024-01-06T12:00:00Z"), Tx("inj-2", "inj-b", "2024-01-08T12:00:00Z"))).EnsureSuccessStatusCode();
    }
}

/// <summary>
/// CORS for the configured dashboard origins, Swagger switched off, a small CSV limit, trusted
/// proxies, and the test-only endpoints that fail and that show the connection the app saw.
/// </summary>
public sealed class ConfiguredHardeningTests(ConfiguredHardeningTests.Api api) : IClassFixture<ConfiguredHardeningTests.Api>
{
    public sealed class Api() : ConfiguredApi(api => api
        .With("Clv:Http:CorsOrigins:0", "https://dashboard.example")
        .With("Clv:Http:SwaggerEnabled", "false")
        .With("Clv:Http:MaxCsvBodyBytes", "2000")
        .With("Clv:Http:KnownProxies:0", "10.0.0.5")
        .With("Clv:Http:KnownNetworks:0", "192.168.50.0/24")
        .WithServices(TestEndpoints.Add));

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

    [Theory]
    [InlineData("400 bad Idempotency-Key")]
    [InlineData("413 CSV over its limit")]
    [InlineData("422 atomic batch with an invalid item")]
    [InlineData("500 unhandled exception")]
    public async Task Error_answers_carry_the_security_headers_too(string error)
    {
        var client = api.Factory.Client();
        var request = error[..3] switch
        {
            "400" => new HttpRequestMessage(HttpMethod.Post, "/api/v1/transactions") { Content = Json(Tx("hdr-400", "hdr-c")), Headers = { { "Idempotency-Key", new string('k', 256) } } },
            "413" => new HttpRequestMessage(HttpMethod.Post, "/api/v1/transactions/import") { Content = new StringContent(new string('x', 2_001), Encoding.UTF8, "text/csv") },
            "422" => new HttpRequestMessage(HttpMethod.Post, "/api/v1/transactions?atomic=true") { Content = Json(Tx("hdr-422", "hdr-c", amount: -1m)) },
            _ => new HttpRequestMessage(HttpMethod.Get, TestEndpoints.Throw),
        };

        var response = await client.SendAsync(request);

        await response.ProblemAsync((HttpStatusCode)int.Parse(error[..3], CultureInfo.InvariantCulture));
        HardeningTests.AssertSecurityHeaders(response);
    }

    [Fact]
    public async Task An_unhandled_exception_quoting_sql_is_a_500_problem_without_the_sql_or_a_stack_trace()
    {
        var response = await api.Factory.Client().GetAsync(TestEndpoints.Throw);

        var problem = await response.ProblemAsync(HttpStatusCode.InternalServerError);
        var body = problem.GetRawText();
        Assert.DoesNotContain("SELECT", body, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(TestEndpoints.SecretTable, body, StringComparison.Ordinal);
        Assert.DoesNotContain("42P01", body, StringComparison.Ordinal); // the PostgreSQL error inside
        Assert.DoesNotContain("Exception", body, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", body, StringComparison.Ordinal); // a frame of the stack
        Assert.DoesNotContain("Clv.", body, StringComparison.Ordinal); // a type or method of any frame
    }

    [Theory]
    [InlineData("10.0.0.5")] // Clv:Http:KnownProxies
    [InlineData("192.168.50.20")] // in Clv:Http:KnownNetworks
    [InlineData("127.0.0.1")] // loopback, trusted by default
    public async Task Forwarded_headers_from_a_trusted_proxy_are_honoured(string proxy)
    {
        Assert.Equal("203.0.113.7 https", await ConnectionSeenAsync(from: proxy));
    }

    [Theory]
    [InlineData("10.0.0.6")]
    [InlineData("192.168.51.20")]
    [InlineData("198.51.100.9")]
    public async Task Forwarded_headers_from_any_other_address_are_ignored(string peer)
    {
        Assert.Equal($"{peer} http", await ConnectionSeenAsync(from: peer));
    }

    // The client address and scheme the app saw for a request from FROM claiming to forward
    // 203.0.113.7 over https.
    private async Task<string> ConnectionSeenAsync(string from)
    {
        var context = await api.Factory.Server.SendAsync(c =>
        {
            c.Connection.RemoteIpAddress = IPAddress.Parse(from);
            c.Request.Method = HttpMethods.Get;
            c.Request.Scheme = "http";
            c.Request.Path = TestEndpoints.Connection;
            c.Request.Headers["X-Api-Key"] = ClvApiFactory.AdminKey;
            c.Request.Headers["X-Forwarded-For"] = "203.0.113.7";
            c.Request.Headers["X-Forwarded-Proto"] = "https";
        });

        Assert.Equal(StatusCodes.Status200OK, context.Response.StatusCode);
        using var reader = new StreamReader(context.Response.Body);
        return await reader.ReadToEndAsync();
    }

    private static StringContent Json(object transaction) =>
        new(JsonSerializer.Serialize(new { transactions = new[] { transaction } }), Encoding.UTF8, "application/json");

    [Theory]
    [InlineData("/swagger/v1/swagger.json")]
    [InlineData("/swagger/index.html")]
    public async Task Swagger_can_be_switched_off(string path)
    {
        // Not served even to a valid key: an unknown route (a request without a key gets 401, as on any route).
        var response = await api.Factory.Client().GetAsync(path);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
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
