using Clv.Api.Tests.Infrastructure;

namespace Clv.Api.Tests.OpenApi;

/// <summary>
/// The document the API serves passes Redocly's recommended rules and Spectral's OpenAPI and OWASP
/// API security rules (issue 13, section 2; docs/api.md, "OpenAPI document").
/// </summary>
public sealed class OpenApiLintTests(ClvApiFactory factory) : IClassFixture<ClvApiFactory>
{
    [Fact]
    public async Task Served_document_has_no_Redocly_recommended_errors_or_warnings()
    {
        var problems = await OpenApiLinters.RedoclyAsync(await ServedAsync());

        Assert.True(problems.Count == 0, $"Redocly found {problems.Count}:{Environment.NewLine}{string.Join(Environment.NewLine, problems.Take(60))}");
    }

    [Fact]
    public async Task Served_document_has_no_Spectral_oas_or_OWASP_errors()
    {
        var errors = await OpenApiLinters.SpectralErrorsAsync(await ServedAsync());

        Assert.True(errors.Count == 0, $"Spectral found {errors.Count} errors:{Environment.NewLine}{string.Join(Environment.NewLine, errors.Take(60))}");
    }

    private Task<string> ServedAsync() => factory.Client().GetStringAsync("/swagger/v1/swagger.json");
}
