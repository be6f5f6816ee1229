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
        services.AddSingleton<ReadPathWarmup>();
        services.AddHostedService(sp => sp.GetRequiredService<ReadPathWarmup>());
        services.AddHealthChecks()
            .AddCheck<MigrationsHealthCheck>("database", tags: [ReadyTag])
            .AddCheck<WarmupHealthCheck>("warmup", tags: [ReadyTag]);
        return services;
    }

    /// <summary>
    /// Where the start-up reads (<see cref="ReadPathWarmup"/>) enter the pipeline: after request
    /// logging, so that they are not logged as clients' requests.
    /// </summary>
    public static void UseClvWarmup(this WebApplication app) =>
        app.Use(app.Services.GetRequiredService<ReadPathWarmup>().Capture);

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
