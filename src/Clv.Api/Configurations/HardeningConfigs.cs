using Microsoft.AspNetCore.HttpOverrides;

namespace Clv.Api.Configurations;

/// <summary>Settings under <c>Clv:Http</c>.</summary>
public sealed class HttpOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Clv:Http";

    /// <summary>Origins of the dashboards allowed to call the API from a browser; none by default.</summary>
    public string[] CorsOrigins { get; set; } = [];

    /// <summary>Serve Swagger UI and the OpenAPI document; turn off in production if wanted. Default on.</summary>
    public bool SwaggerEnabled { get; set; } = true;

    /// <summary>Largest JSON body in bytes (413 beyond). Default 10 MB; the CSV import has its own limit.</summary>
    public long MaxJsonBodyBytes { get; set; } = 10 * 1024 * 1024;

    /// <summary>Largest CSV import body in bytes (413 beyond). Default 2 GB.</summary>
    public long MaxCsvBodyBytes { get; set; } = 2L * 1024 * 1024 * 1024;
}

internal static class HardeningConfigs
{
    public const string CorsPolicy = "dashboards";

    public static IServiceCollection AddClvHardening(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<HttpOptions>().BindConfiguration(HttpOptions.Section);
        var http = configuration.GetSection(HttpOptions.Section).Get<HttpOptions>() ?? new HttpOptions();
        services.AddCors(options => options.AddPolicy(CorsPolicy, policy =>
        {
            if (http.CorsOrigins.Length > 0)
            {
                policy.WithOrigins(http.CorsOrigins).AllowAnyMethod().WithHeaders("X-Api-Key", "Content-Type", "Accept", "Idempotency-Key");
            }
        }));
        services.Configure<ForwardedHeadersOptions>(options =>
        {
            // Behind a reverse proxy: the client's address and scheme come from X-Forwarded-*.
            options.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
        });
        return services;
    }

    /// <summary>Forwarded headers, security headers and CORS, before anything else answers.</summary>
    public static void UseClvHardening(this WebApplication app)
    {
        app.UseForwardedHeaders();
        app.Use((context, next) =>
        {
            var headers = context.Response.Headers;
            headers.XContentTypeOptions = "nosniff";
            headers.XFrameOptions = "DENY";
            headers["Referrer-Policy"] = "no-referrer";
            headers["Cross-Origin-Opener-Policy"] = "same-origin";
            if (!context.Request.Path.StartsWithSegments("/swagger", StringComparison.Ordinal))
            {
                // JSON and CSV only: nothing of the API's own may run scripts or be framed.
                headers.ContentSecurityPolicy = "default-src 'none'; frame-ancestors 'none'";
            }

            return next(context);
        });
        app.UseCors(CorsPolicy);
    }
}
