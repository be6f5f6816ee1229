using Clv.Api.Configurations;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace Clv.Api.OpenApi;

/// <summary>
/// An action that reads its body as a stream (the CSV imports) has no body parameter for
/// Swashbuckle to describe; its <c>[Consumes]</c> media types become a required file body, so
/// Swagger UI offers a file upload.
/// </summary>
internal sealed class StreamedBodyOperationFilter(IOptions<HttpOptions> http) : IOperationFilter
{
    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        var consumes = context.ApiDescription.ActionDescriptor.EndpointMetadata.OfType<ConsumesAttribute>().LastOrDefault();
        if (operation.RequestBody is not null || consumes is null)
        {
            return;
        }

        operation.RequestBody = new OpenApiRequestBody
        {
            Required = true,
            Description = $"The file, streamed; at most {http.Value.MaxCsvBodyBytes:N0} bytes (`Clv:Http:MaxCsvBodyBytes`).",
            Content = consumes.ContentTypes.ToDictionary(type => type, IOpenApiMediaType (_) => new OpenApiMediaType
            {
                Schema = new OpenApiSchema
                {
                    Type = JsonSchemaType.String,
                    Format = "binary",
                    MaxLength = (int)Math.Min(http.Value.MaxCsvBodyBytes, int.MaxValue),
                },
            }),
        };
    }
}
