using System.Net;
using Clv.Api.Tests.Infrastructure;

namespace Clv.Api.Tests.Security;

public sealed class OperationsTests(ClvApiFactory api) : IClassFixture<ClvApiFactory>
{
    [Theory]
    [InlineData("/health/live")]
    [InlineData("/health/ready")]
    public async Task Health_probes_answer_without_a_key(string path)
    {
        var body = await (await api.Client(apiKey: null).GetAsync(path)).JsonAsync();

        Assert.Equal("Healthy", body.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Swagger_documents_every_endpoint_with_the_api_key_scheme_and_error_responses()
    {
        var doc = await (await api.Client(apiKey: null).GetAsync("/swagger/v1/swagger.json")).JsonAsync();

        var paths = doc.GetProperty("paths");
        foreach (var path in new[] { "/api/v1/transactions", "/api/v1/transactions/import", "/api/v1/customers", "/api/v1/customers/{externalId}", "/api/v1/acquisition-spend", "/api/v1/metrics/summary", "/api/v1/api-keys", "/api/v1/api-keys/{id}", "/api/v1/model-runs", "/api/v1/model-runs/{id}", "/api/v1/cohorts", "/api/v1/feedback", "/api/v1/feedback/import", "/api/v1/feedback/summary", "/api/v1/compare", "/api/v1/subscriptions", "/api/v1/subscriptions/import" })
        {
            Assert.True(paths.TryGetProperty(path, out var item), path);
            foreach (var operation in item.EnumerateObject())
            {
                Assert.False(string.IsNullOrEmpty(operation.Value.GetProperty("summary").GetString()), $"{operation.Name} {path} has no summary");
                Assert.True(operation.Value.GetProperty("responses").TryGetProperty("401", out _), $"{operation.Name} {path} lacks 401");
            }
        }

        Assert.True(doc.GetProperty("components").GetProperty("securitySchemes").TryGetProperty("ApiKey", out _));
    }

    [Fact]
    public async Task Unknown_route_is_404_problem()
    {
        await (await api.Client().GetAsync("/api/v1/nothing-here")).ProblemAsync(HttpStatusCode.NotFound);
    }
}
