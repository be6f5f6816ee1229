using System.Net;
using System.Net.Http.Json;
using System.Text;
using Clv.Api.Tests.Infrastructure;

namespace Clv.Api.Tests.Security;

/// <summary>Every endpoint refuses a missing key (401) and a key without its scope (403), as problem+json.</summary>
public sealed class EndpointErrorTests(ClvApiFactory api) : IClassFixture<ClvApiFactory>
{
    public static TheoryData<string, string, string> Endpoints => new()
    {
        // method, path, the scope that is NOT enough
        { "POST", "/api/v1/customers", "read" },
        { "POST", "/api/v1/transactions", "read" },
        { "POST", "/api/v1/transactions/import", "read" },
        { "POST", "/api/v1/acquisition-spend", "read" },
        { "POST", "/api/v1/fx-rates", "read" },
        { "POST", "/api/v1/model-runs", "read" },
        { "GET", "/api/v1/customers", "ingest" },
        { "GET", "/api/v1/customers/someone", "ingest" },
        { "GET", "/api/v1/metrics/summary", "ingest" },
        { "GET", "/api/v1/cohorts", "ingest" },
        { "GET", "/api/v1/model-runs", "ingest" },
        { "GET", $"/api/v1/model-runs/{Guid.Empty}", "ingest" },
        { "GET", "/api/v1/api-keys", "read" },
        { "POST", "/api/v1/api-keys", "ingest" },
        { "DELETE", $"/api/v1/api-keys/{Guid.Empty}", "read" },
    };

    private static HttpRequestMessage Request(string method, string path) => new(new HttpMethod(method), path)
    {
        Content = method != "POST" ? null
            : path.EndsWith("/import", StringComparison.Ordinal) ? new StringContent("external_id\n", Encoding.UTF8, "text/csv")
            : new StringContent("{}", Encoding.UTF8, "application/json"),
    };

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task Without_a_key_every_endpoint_is_401(string method, string path, string _)
    {
        await (await api.Client(apiKey: null).SendAsync(Request(method, path))).ProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task With_a_key_of_another_scope_every_endpoint_is_403(string method, string path, string scope)
    {
        var key = (await (await api.Client().PostAsJsonAsync("/api/v1/api-keys", new { name = scope, scopes = new[] { scope } })).JsonAsync(HttpStatusCode.Created)).GetProperty("key").GetString();

        await (await api.Client(key).SendAsync(Request(method, path))).ProblemAsync(HttpStatusCode.Forbidden);
    }

    [Theory]
    [InlineData("/api/v1/customers")]
    [InlineData("/api/v1/acquisition-spend")]
    [InlineData("/api/v1/fx-rates")]
    [InlineData("/api/v1/model-runs")]
    [InlineData("/api/v1/api-keys")]
    public async Task Json_endpoints_answer_a_wrong_content_type_with_415(string path)
    {
        var response = await api.Client().PostAsync(path, new StringContent("a,b", Encoding.UTF8, "text/csv"));

        await response.ProblemAsync(HttpStatusCode.UnsupportedMediaType);
    }

    [Theory]
    [InlineData("/api/v1/customers")]
    [InlineData("/api/v1/acquisition-spend")]
    [InlineData("/api/v1/fx-rates")]
    [InlineData("/api/v1/model-runs")]
    [InlineData("/api/v1/api-keys")]
    public async Task Json_endpoints_answer_malformed_json_with_400(string path)
    {
        var response = await api.Client().PostAsync(path, new StringContent("{\"oops\":", Encoding.UTF8, "application/json"));

        await response.ProblemAsync(HttpStatusCode.BadRequest);
    }
}
