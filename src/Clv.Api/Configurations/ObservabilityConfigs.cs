using Clv.Api.Authentication;
using Clv.Api.Observability;
using Npgsql;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Clv.Api.Configurations;

internal static class ObservabilityConfigs
{
    // The OpenTelemetry SDK's own setting; its exporter reads the rest (OTEL_EXPORTER_OTLP_PROTOCOL, ...).
    private const string OtlpEndpoint = "OTEL_EXPORTER_OTLP_ENDPOINT";

    // The meter of the .NET runtime's built-in instruments (dotnet.gc.*, dotnet.process.*, dotnet.thread_pool.*).
    private const string RuntimeMeter = "System.Runtime";

    /// <summary>
    /// Clv's instruments (<see cref="ClvMetrics"/>) always; OpenTelemetry metrics (Clv's, ASP.NET
    /// Core's, Npgsql's, the runtime's) when the scrape endpoint is on or an OTLP endpoint is set; traces (ASP.NET
    /// Core, Npgsql) only to an OTLP endpoint: nothing is collected that nobody reads.
    /// </summary>
    public static IServiceCollection AddClvObservability(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<MetricsOptions>().BindConfiguration(MetricsOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<ClvMetrics>();
        var scrape = configuration.GetSection(MetricsOptions.Section).Get<MetricsOptions>() ?? new MetricsOptions();
        var otlp = !string.IsNullOrWhiteSpace(configuration[OtlpEndpoint]);
        if (!scrape.Enabled && !otlp)
        {
            return services;
        }

        var telemetry = services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("clv-api"))
            .WithMetrics(metrics =>
            {
                // The runtime's own meter: the process's working set, the managed heaps after the last
                // collection, collections, pauses and the thread pool (docs/operations.md).
                metrics.AddMeter(ClvMetrics.MeterName, RuntimeMeter).AddAspNetCoreInstrumentation().AddNpgsqlInstrumentation();
                if (scrape.Enabled && scrape.Port is { } port)
                {
                    metrics.AddPrometheusHttpListener(listener =>
                    {
                        listener.Host = scrape.Address;
                        listener.Port = port;
                        listener.ScrapeEndpointPath = scrape.Path;
                    });
                }
                else if (scrape.Enabled)
                {
                    metrics.AddPrometheusExporter(exporter => exporter.ScrapeEndpointPath = scrape.Path);
                }

                if (otlp)
                {
                    metrics.AddOtlpExporter();
                }
            });
        if (otlp)
        {
            telemetry.WithTracing(tracing => tracing.AddAspNetCoreInstrumentation().AddNpgsql().AddOtlpExporter());
        }

        return services;
    }

    /// <summary>The scrape endpoint on the API's port, for an <c>admin</c> key only, when it is on and has no port of its own.</summary>
    public static void MapClvMetrics(this WebApplication app)
    {
        var scrape = app.Configuration.GetSection(MetricsOptions.Section).Get<MetricsOptions>() ?? new MetricsOptions();
        if (scrape.Enabled && scrape.Port is null)
        {
            app.MapPrometheusScrapingEndpoint(scrape.Path).RequireAuthorization(Policies.Admin);
        }
    }
}
