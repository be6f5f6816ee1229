using System.Net;
using System.Net.Http.Json;
using System.Text;
using Clv.Api.Tests.Infrastructure;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Clv.Api.Tests.Security;

/// <summary>
/// Every endpoint the app maps, against no key, an invalid key, a revoked key and a key of each scope.
/// The endpoints are read from the app's own endpoint data source, so one added later fails
/// <see cref="The_matrix_names_every_endpoint_the_app_maps"/> until its scope is written down here.
/// </summary>
public sealed class AuthorizationMatrixTests(ClvApiFactory api) : IClassFixture<ClvApiFactory>
{
    private const string Anonymous = "anonymous";

    // The scope each endpoint requires (src/Clv.Api/Authentication/Scopes.cs): read paths read,
    // write paths ingest, keys and erasure admin; admin may do everything.
    private static readonly Dictionary<string, string> Required = WithHead(new(StringComparer.Ordinal)
    {
        ["POST api/v1/customers"] = "ingest",
        ["POST api/v1/transactions"] = "ingest",
        ["POST api/v1/transactions/import"] = "ingest",
        ["POST api/v1/acquisition-spend"] = "ingest",
        ["POST api/v1/fx-rates"] = "ingest",
        ["POST api/v1/feedback"] = "ingest",
        ["POST api/v1/feedback/import"] = "ingest",
        ["POST api/v1/subscriptions"] = "ingest",
        ["POST api/v1/subscriptions/import"] = "ingest",
        ["POST api/v1/model-runs"] = "ingest",
        ["GET api/v1/customers"] = "read",
        ["GET api/v1/customers/{externalId}"] = "read",
        ["GET api/v1/metrics/summary"] = "read",
        ["GET api/v1/cohorts"] = "read",
        ["GET api/v1/segments"] = "read",
        ["GET api/v1/metrics/timeseries"] = "read",
        ["GET api/v1/feedback/summary"] = "read",
        ["GET api/v1/compare"] = "read",
        ["GET api/v1/model-runs"] = "read",
        ["GET api/v1/model-runs/{id:guid}"] = "read",
        ["DELETE api/v1/customers/{externalId}"] = "admin",
        ["GET api/v1/api-keys"] = "admin",
        ["POST api/v1/api-keys"] = "admin",
        ["DELETE api/v1/api-keys/{id:guid}"] = "admin",
        ["GET health/live"] = Anonymous,
        ["GET health/ready"] = Anonymous,
        ["GET "] = Anonymous, // the redirect to the dashboard (docs/dashboard.md)
    });

    // HEAD is routed to every controller's GET, under the GET's scope (HeadAsGetConvention).
    private static Dictionary<string, string> WithHead(Dictionary<string, string> required)
    {
        foreach (var (endpoint, scope) in required.Where(e => e.Key.StartsWith("GET api/", StringComparison.Ordinal)).ToList())
        {
            required["HEAD" + endpoint["GET".Length..]] = scope;
        }

        return required;
    }

    public static TheoryData<string> Credentials => ["none", "invalid", "revoked", "read", "ingest", "admin"];

    /// <summary>"METHOD pattern" of every endpoint the running app maps.</summary>
    private List<string> MappedEndpoints()
    {
        api.Client().Dispose(); // starts the host, which maps the endpoints
        return api.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .OfType<RouteEndpoint>()
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET"])
                .Select(m => $"{m} {e.RoutePattern.RawText!.TrimStart('/')}"))
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .ToList();
    }

    [Fact]
    public void The_matrix_names_every_endpoint_the_app_maps()
    {
        Assert.Equal(Required.Keys.Order(StringComparer.Ordinal), MappedEndpoints());
    }

    [Theory]
    [MemberData(nameof(Credentials))]
    public async Task Every_endpoint_answers_each_credential_as_its_scope_requires(string credential)
    {
        var client = api.Client(await KeyAsync(credential));
        var wrong = new List<string>();
        foreach (var endpoint in MappedEndpoints())
        {
            var required = Required.GetValueOrDefault(endpoint, "unknown");
            var response = await client.SendAsync(Request(endpoint));
            var status = (int)response.StatusCode;
            var expected = Expected(credential, required);
            var ok = expected switch
            {
                HttpStatusCode.OK => status is >= 200 and < 500 and not 401 and not 403,
                _ => response.StatusCode == expected && response.Content.Headers.ContentType?.MediaType == "application/problem+json",
            };
            if (!ok)
            {
                wrong.Add($"{endpoint}: expected {(expected == HttpStatusCode.OK ? "allowed" : ((int)expected).ToString(System.Globalization.CultureInfo.InvariantCulture))}, got {status}");
            }
        }

        Assert.Empty(wrong);
    }

    // OK stands for "let through": the endpoint's own answer, whatever it is, short of 401, 403 and 5xx.
    private static HttpStatusCode Expected(string credential, string required) => (credential, required) switch
    {
        (_, Anonymous) => HttpStatusCode.OK,
        ("none" or "invalid" or "revoked", _) => HttpStatusCode.Unauthorized,
        ("admin", _) => HttpStatusCode.OK,
        var (c, r) when c == r => HttpStatusCode.OK,
        _ => HttpStatusCode.Forbidden,
    };

    private async Task<string?> KeyAsync(string credential)
    {
        switch (credential)
        {
            case "none":
                return null;
            case "invalid":
                return "clv_" + new string('x', 43);
            case "revoked":
                var (id, key) = await CreateKeyAsync("admin");
                Assert.Equal(HttpStatusCode.NoContent, (await api.Client().DeleteAsync($"/api/v1/api-keys/{id}")).StatusCode);
                return key;
            default:
                return (await CreateKeyAsync(credential)).Key;
        }
    }

    private async Task<(string Id, string Key)> CreateKeyAsync(string scope)
    {
        var body = await (await api.Client().PostAsJsonAsync("/api/v1/api-keys", new { name = "matrix " + scope, scopes = new[] { scope } })).JsonAsync(HttpStatusCode.Created);
        return (body.GetProperty("id").GetString()!, body.GetProperty("key").GetString()!);
    }

    // A harmless request of each endpoint: unknown ids, empty bodies.
    private static HttpRequestMessage Request(string endpoint)
    {
        var (method, pattern) = (endpoint[..endpoint.IndexOf(' ', StringComparison.Ordinal)], endpoint[(endpoint.IndexOf(' ', StringComparison.Ordinal) + 1)..]);
        var path = "/" + pattern.Replace("{externalId}", "nobody-" + Guid.NewGuid().ToString("N"), StringComparison.Ordinal)
            .Replace("{id:guid}", Guid.NewGuid().ToString(), StringComparison.Ordinal);
        return new HttpRequestMessage(new HttpMethod(method), path)
        {
            Content = method != "POST" ? null
                : path.EndsWith("/import", StringComparison.Ordinal) ? new StringContent("external_id\n", Encoding.UTF8, "text/csv")
                : new StringContent("{}", Encoding.UTF8, "application/json"),
        };
    }
}
