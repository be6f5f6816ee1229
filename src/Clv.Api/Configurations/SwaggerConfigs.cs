using Clv.Api.Authentication;
using Clv.Api.Idempotency;
using Microsoft.OpenApi;

namespace Clv.Api.Configurations;

internal static class SwaggerConfigs
{
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

    public static void UseClvSwagger(this WebApplication app)
    {
        if (!app.Configuration.GetValue(HttpOptions.Section + ":" + nameof(HttpOptions.SwaggerEnabled), true))
        {
            return;
        }

        app.UseSwagger();
        app.UseSwaggerUI(options =>
        {
            options.SwaggerEndpoint("/swagger/v1/swagger.json", "Clv API v1");
            options.DocumentTitle = "Clv API";
        });
    }
}
