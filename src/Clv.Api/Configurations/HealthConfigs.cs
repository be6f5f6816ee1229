using System.Text.Json;
using Clv.Api.Health;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Clv.Api.Configurations;

internal static class HealthConfigs
{
    private const string ReadyTag = "ready";

    public static IServiceCollection AddClvHealthChecks(this IServiceCollection services)
    {
        services.AddHealthChecks().AddCheck<MigrationsHealthCheck>("database", tags: [ReadyTag]);
        return services;
    }

    /// <summary>Anonymous liveness and readiness probes, in every environment.</summary>
    public static void MapClvHealthChecks(this WebApplication app)
    {
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = WriteAsync }).AllowAnonymous();
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains(ReadyTag), ResponseWriter = WriteAsync }).AllowAnonymous();
    }

    private static Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        return JsonSerializer.SerializeAsync(context.Response.Body, new
        {
            status = report.Status.ToString(),
            checks = report.Entries.ToDictionary(e => e.Key, e => new { status = e.Value.Status.ToString(), description = e.Value.Description }),
        });
    }
}
