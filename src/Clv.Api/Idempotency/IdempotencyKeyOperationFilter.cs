using Microsoft.AspNetCore.Mvc;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace Clv.Api.Idempotency;

/// <summary>Documents the optional <c>Idempotency-Key</c> header, and its 409 and 422 answers, on every POST.</summary>
internal sealed class IdempotencyKeyOperationFilter : IOperationFilter
{
    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        if (!string.Equals(context.ApiDescription.HttpMethod, HttpMethods.Post, StringComparison.OrdinalIgnoreCase))
        {
            return;
        }

        operation.Parameters ??= [];
        operation.Parameters.Add(new OpenApiParameter
        {
            Name = IdempotencyMiddleware.HeaderName,
            In = ParameterLocation.Header,
            Required = false,
            Description = "Optional. 1 to 255 printable ASCII characters (a UUID is a good key), unique per request of this API key. "
                + "A retry with the same key and the same request gets the first 2xx answer again, byte for byte, with "
                + $"`{IdempotencyMiddleware.ReplayedHeaderName}: true`, and changes nothing; answers are kept for "
                + "`Clv:Idempotency:RetentionHours` (default and minimum 24). Without the header the request runs every time. The same key with another request is 422; while the first "
                + "request still runs, 409. Failed requests are not kept, so their key may be retried.",
            Schema = new OpenApiSchema { Type = JsonSchemaType.String, MinLength = 1, MaxLength = IdempotencyMiddleware.MaxKeyLength },
        });

        var problem = context.SchemaGenerator.GenerateSchema(typeof(ProblemDetails), context.SchemaRepository);
        operation.Responses ??= [];
        AddProblem(operation, StatusCodes.Status409Conflict, "A request with this Idempotency-Key is still running.", problem);
        AddProblem(operation, StatusCodes.Status422UnprocessableEntity, "Invalid items, or an Idempotency-Key used for another request.", problem);
    }

    private static void AddProblem(OpenApiOperation operation, int status, string description, IOpenApiSchema schema)
    {
        var code = status.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (!operation.Responses!.ContainsKey(code))
        {
            operation.Responses[code] = new OpenApiResponse
            {
                Description = description,
                Content = new Dictionary<string, IOpenApiMediaType> { ["application/problem+json"] = new OpenApiMediaType { Schema = schema } },
            };
        }
    }
}
