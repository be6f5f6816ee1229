using Clv.Api.Authentication;
using Clv.Api.Idempotency;
using Microsoft.AspNetCore.Authentication;
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
            });
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
            options.OperationFilter<IdempotencyKeyOperationFilter>();
        });
        return services;
    }

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
        });
    }
}
