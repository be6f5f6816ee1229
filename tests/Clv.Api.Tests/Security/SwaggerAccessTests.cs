using System.Net;
using System.Net.Http.Json;
using Clv.Api.Tests.Infrastructure;

namespace Clv.Api.Tests.Security;

/// <summary>
/// With <c>Clv:Http:SwaggerRequiresApiKey</c>, Swagger UI and the OpenAPI document are served only to
/// a request with a valid API key (docs/operations.md, "Swagger in production").
/// </summary>
public sealed class SwaggerAccessTests(SwaggerAccessTests.ProtectedApi api) : IClassFixture<SwaggerAccessTests.ProtectedApi>
{
    public sealed class ProtectedApi() : ConfiguredApi(api => api.With("Clv:Http:SwaggerRequiresApiKey", "true"));

    public static TheoryData<string> SwaggerPaths => ["/swagger/v1/swagger.json", "/swagger/index.html", "/swagger"];

    [Theory]
    [MemberData(nameof(SwaggerPaths))]
    public async Task Without_a_key_swagger_is_401_problem(string path)
    {
        await (await api.Factory.Client(apiKey: null).GetAsync(path)).ProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Theory]
    [MemberData(nameof(SwaggerPaths))]
    public async Task With_an_invalid_key_swagger_is_401_problem(string path)
    {
        await (await api.Factory.Client("clv_not-a-key").GetAsync(path)).ProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task With_a_read_key_swagger_ui_and_the_document_are_served()
    {
        var created = await (await api.Factory.Client().PostAsJsonAsync("/api/v1/api-keys", new { name = "swagger reader", scopes = new[] { "read" } }))
            .JsonAsync(HttpStatusCode.Created);
        var client = api.Factory.Client(created.GetProperty("key").GetString());

        var document = await (await client.GetAsync("/swagger/v1/swagger.json")).JsonAsync();
        var ui = await client.GetAsync("/swagger/index.html");

        Assert.True(document.TryGetProperty("openapi", out _));
        Assert.Equal((HttpStatusCode.OK, "text/html"), (ui.StatusCode, ui.Content.Headers.ContentType?.MediaType));
    }

    [Fact]
    public async Task By_default_swagger_is_served_without_a_key()
    {
        await using var open = new ClvApiFactory();
        await open.InitializeAsync();
        var client = open.Client(apiKey: null);

        var document = await client.GetAsync("/swagger/v1/swagger.json");
        var ui = await client.GetAsync("/swagger/index.html");

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (document.StatusCode, ui.StatusCode));
    }
}
