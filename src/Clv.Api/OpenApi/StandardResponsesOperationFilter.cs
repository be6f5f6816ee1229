using System.Globalization;
using Clv.Api.Configurations;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace Clv.Api.OpenApi;

/// <summary>
/// Declares on every operation the answers that come from the pipeline rather than the action
/// (docs/api.md, "OpenAPI document"): 401 and 403 where a key is required, 413 and 415 where there is
/// a body, 406 everywhere (an <c>Accept</c> that no formatter serves), 429 everywhere (the rate
/// limiter is global) with <c>Retry-After</c>, and the rate-limit headers
/// (<see cref="RateLimitConfigs.LimitHeader"/> and the others) on every 2xx and 4xx answer.
/// </summary>
internal sealed class StandardResponsesOperationFilter : IOperationFilter
{
    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        var problem = context.SchemaGenerator.GenerateSchema(typeof(ProblemDetails), context.SchemaRepository);
        operation.Responses ??= [];
        var metadata = context.ApiDescription.ActionDescriptor.EndpointMetadata;
        if (metadata.OfType<IAuthorizeData>().Any() && !metadata.OfType<IAllowAnonymous>().Any())
        {
            Add(operation, StatusCodes.Status401Unauthorized, "No API key, or an unknown or revoked one.", problem);
            Add(operation, StatusCodes.Status403Forbidden, "The key lacks the scope this operation needs.", problem);
        }

        if (operation.RequestBody is not null)
        {
            Add(operation, StatusCodes.Status413PayloadTooLarge, "The body is over the size (or a JSON batch over the item count) allowed here.", problem);
            Add(operation, StatusCodes.Status415UnsupportedMediaType, "The body is not of a media type this operation reads.", problem);
        }

        Add(operation, StatusCodes.Status406NotAcceptable, "The `Accept` header names no media type this operation answers in.", problem);
        Add(operation, StatusCodes.Status429TooManyRequests,
            "Over the request rate of this key (or, without a valid key, of this address), or too many failed key lookups; retry after `Retry-After` seconds.", problem);
        var tooMany = (OpenApiResponse)operation.Responses[Code(StatusCodes.Status429TooManyRequests)];
        tooMany.Headers ??= new Dictionary<string, IOpenApiHeader>();
        tooMany.Headers[RateLimitConfigs.RetryAfterHeader] = new OpenApiHeaderReference(RateLimitConfigs.RetryAfterHeader);

        foreach (var (code, response) in operation.Responses)
        {
            if (code.StartsWith('2') || code.StartsWith('4'))
            {
                var headers = ((OpenApiResponse)response).Headers ??= new Dictionary<string, IOpenApiHeader>();
                foreach (var name in RateLimitConfigs.Headers.Append(OpenApiDocumentConventions.CorsOriginHeader))
                {
                    headers[name] = new OpenApiHeaderReference(name);
                }
            }
        }
    }

    private static string Code(int status) => status.ToString(CultureInfo.InvariantCulture);

    private static void Add(OpenApiOperation operation, int status, string description, IOpenApiSchema problem)
    {
        if (!operation.Responses!.ContainsKey(Code(status)))
        {
            operation.Responses[Code(status)] = new OpenApiResponse
            {
                Description = description,
                Content = new Dictionary<string, IOpenApiMediaType> { ["application/problem+json"] = new OpenApiMediaType { Schema = problem } },
                Headers = new Dictionary<string, IOpenApiHeader>(),
            };
        }
    }
}
