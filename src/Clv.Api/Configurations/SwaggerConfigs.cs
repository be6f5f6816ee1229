using Clv.Api.Authentication;
using Clv.Api.Idempotency;
using Clv.Api.OpenApi;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc.Controllers;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;

namespace Clv.Api.Configurations;

internal static class SwaggerConfigs
{
    // Where Swashbuckle serves the UI and the documents by default.
    private const string Prefix = "/swagger";

    public static IServiceCollection AddClvSwagger(this IServiceCollection services)
    {
        services.AddEndpointsApiExplorer();
        services.AddSwaggerGen(options =>
        {
            options.SwaggerDoc("v1", new OpenApiInfo
            {
                Title = "Clv API",
                Version = "v1",
                Description = "Customer lifetime value analytics: ingestion for CRM integrations, historical CLV for dashboards and analysts. "
                    + "Send an API key in the X-Api-Key header. Errors are RFC 9457 problem+json.",
                // Clv is not published under an open licence; an operator serving it to others names theirs here.
                License = new OpenApiLicense { Name = "Proprietary", Url = new Uri("https://en.wikipedia.org/wiki/Proprietary_software") },
            });
            // Fixed, never the request's host: the document is the same wherever it is served (the
            // dashboard's snapshot depends on it), and "/" resolves against wherever that is.
            options.AddServer(new OpenApiServer
            {
                Url = "/",
                Description = "The server that serves this document, whichever environment it is (local, staging or production).",
                Extensions = new Dictionary<string, IOpenApiExtension> { ["x-internal"] = new JsonNodeExtension(false) },
            });
            options.CustomOperationIds(OperationId);
            foreach (var assembly in new[] { typeof(Program).Assembly })
            {
                var xml = Path.Combine(AppContext.BaseDirectory, assembly.GetName().Name + ".xml");
                options.IncludeXmlComments(xml, includeControllerXmlComments: true);
            }

            options.AddSecurityDefinition(ApiKeyAuthenticationHandler.SchemeName, new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.ApiKey,
                In = ParameterLocation.Header,
                Name = ApiKeyAuthenticationHandler.HeaderName,
                Description = "An API key with the read, ingest or admin scope.",
            });
            options.AddSecurityRequirement(document => new OpenApiSecurityRequirement
            {
                [new OpenApiSecuritySchemeReference(ApiKeyAuthenticationHandler.SchemeName, document)] = [],
            });
            options.SupportNonNullableReferenceTypes();
            // A nullable reference to a component (a customer's "predicted", a run's "holdout") is
            // written as allOf [$ref] with nullable: true; a bare $ref could carry no nullable in OpenAPI 3.0.
            options.UseAllOfToExtendReferenceSchemas();
            options.SchemaFilter<ContractLimitsSchemaFilter>();
            options.SchemaFilter<RequestExampleSchemaFilter>();
            options.OperationFilter<IdempotencyKeyOperationFilter>();
            options.OperationFilter<StreamedBodyOperationFilter>();
            options.OperationFilter<StandardResponsesOperationFilter>();
            options.DocumentFilter<OpenApiDocumentConventions>();
        });
        return services;
    }

    /// <summary>
    /// <c>{Controller}_{Action}</c> (<c>Customers_List</c>, <c>Transactions_Import</c>): stable while
    /// the C# names are, and unique since a controller's actions are named apart.
    /// </summary>
    private static string? OperationId(Microsoft.AspNetCore.Mvc.ApiExplorer.ApiDescription api) =>
        api.ActionDescriptor is ControllerActionDescriptor action ? $"{action.ControllerName}_{action.ActionName}" : null;

    /// <summary>
    /// Swagger UI (<c>/swagger</c>) and the OpenAPI document (<c>/swagger/v1/swagger.json</c>), unless
    /// <see cref="HttpOptions.SwaggerEnabled"/> is off; with <see cref="HttpOptions.SwaggerRequiresApiKey"/>
    /// only for a request that authentication (which runs before) found a valid key on.
    /// </summary>
    public static void UseClvSwagger(this WebApplication app)
    {
        var http = app.Services.GetRequiredService<IOptions<HttpOptions>>().Value;
        if (!http.SwaggerEnabled)
        {
            return;
        }

        if (http.SwaggerRequiresApiKey)
        {
            app.UseWhen(
                context => context.Request.Path.StartsWithSegments(Prefix, StringComparison.OrdinalIgnoreCase),
                swagger => swagger.Use(async (context, next) =>
                {
                    if (context.User.Identity?.IsAuthenticated == true)
                    {
                        await next(context);
                    }
                    else
                    {
                        // The API key scheme's own answer: 401 problem+json (429 past the address's lookup budget).
                        await context.ChallengeAsync();
                    }
                }));
        }

        app.UseSwagger();
        app.UseSwaggerUI(options =>
        {
            options.SwaggerEndpoint("/swagger/v1/swagger.json", "Clv API v1");
            options.DocumentTitle = "Clv API";
            // The key pasted into Authorize survives a reload of the page (kept in the browser's localStorage).
            options.EnablePersistAuthorization();
        });
    }
}
