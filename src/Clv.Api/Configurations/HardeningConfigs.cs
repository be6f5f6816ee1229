using System.Net;
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

    /// <summary>
    /// Serve Swagger UI and the OpenAPI document only to requests with a valid API key (any
    /// scope); others get 401 problem+json. Default off, as in development.
    /// </summary>
    public bool SwaggerRequiresApiKey { get; set; }

    /// <summary>Largest JSON body in bytes (413 beyond). Default 10 MB; the CSV import has its own limit.</summary>
    public long MaxJsonBodyBytes { get; set; } = 10 * 1024 * 1024;

    /// <summary>Largest CSV import body in bytes (413 beyond). Default 2 GB.</summary>
    public long MaxCsvBodyBytes { get; set; } = 2L * 1024 * 1024 * 1024;

    /// <summary>
    /// Addresses of reverse proxies whose <c>X-Forwarded-For</c> and <c>X-Forwarded-Proto</c> are
    /// believed, besides loopback (always trusted). None by default.
    /// </summary>
    public string[] KnownProxies { get; set; } = [];

    /// <summary>Networks (CIDR, such as <c>10.0.0.0/8</c>) of such proxies, besides loopback. None by default.</summary>
    public string[] KnownNetworks { get; set; } = [];

    /// <summary>
    /// CSV exports of the customer list that may stream at once; each holds a database connection
    /// for its whole download, and one more is 503 with <c>Retry-After</c>. Default 0: a quarter of
    /// <c>Database:MaxPoolSize</c>, at least 1 (2 of the default 8), so the rest serve reads.
    /// </summary>
    public int MaxConcurrentExports { get; set; }

    /// <summary>
    /// Bytes per second a client must take an export at, after <see cref="ExportGraceSeconds"/>;
    /// a slower one is cut off and its connection freed. Default 16,384; 0 leaves Kestrel's 240.
    /// </summary>
    public double ExportMinBytesPerSecond { get; set; } = 16 * 1024;

    /// <summary>Seconds an export may fall below <see cref="ExportMinBytesPerSecond"/> before it is cut off. Default 10.</summary>
    public int ExportGraceSeconds { get; set; } = 10;
}

internal static class HardeningConfigs
{
    public const string CorsPolicy = "dashboards";

    public static IServiceCollection AddClvHardening(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<HttpOptions>().BindConfiguration(HttpOptions.Section);
        services.AddSingleton<Infrastructure.ExportGate>();
        var http = configuration.GetSection(HttpOptions.Section).Get<HttpOptions>() ?? new HttpOptions();
        services.AddCors(options => options.AddPolicy(CorsPolicy, policy =>
        {
            if (http.CorsOrigins.Length > 0)
            {
                policy.WithOrigins(http.CorsOrigins).AllowAnyMethod().WithHeaders("X-Api-Key", "Content-Type", "Accept", "Idempotency-Key")
                    .WithExposedHeaders([.. RateLimitConfigs.Headers, RateLimitConfigs.RetryAfterHeader]);
            }
        }));
        services.Configure<ForwardedHeadersOptions>(options =>
        {
            // Behind a reverse proxy: the client's address and scheme come from X-Forwarded-*, but
            // only from the proxies named here (and loopback, ASP.NET Core's default): anyone else
            // could claim any address, and so escape its rate limit or forge the logs.
            options.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            foreach (var proxy in http.KnownProxies)
            {
                options.KnownProxies.Add(IPAddress.TryParse(proxy, out var address) ? address : throw Invalid(nameof(HttpOptions.KnownProxies), proxy));
            }

            foreach (var network in http.KnownNetworks)
            {
                options.KnownIPNetworks.Add(System.Net.IPNetwork.TryParse(network, out var parsed) ? parsed : throw Invalid(nameof(HttpOptions.KnownNetworks), network));
            }
        });
        return services;
    }

    /// <summary>Forwarded headers, security headers and CORS, before anything else answers.</summary>
    public static void UseClvHardening(this WebApplication app)
    {
        app.UseForwardedHeaders();
        app.Use((context, next) =>
        {
            // Set as the answer starts, not now: the exception handler clears the headers of a
            // request that failed (400, 413, 422, 503, 500), and error answers need them too.
            context.Response.OnStarting(static state => AddSecurityHeaders((HttpContext)state), context);
            return next(context);
        });
        app.UseCors(CorsPolicy);
    }

    private static Task AddSecurityHeaders(HttpContext context)
    {
        var headers = context.Response.Headers;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
        headers["Cross-Origin-Opener-Policy"] = "same-origin";
        if (context.Request.Path.StartsWithSegments(DashboardConfigs.Path, StringComparison.Ordinal))
        {
            headers.ContentSecurityPolicy = DashboardConfigs.ContentSecurityPolicy;
        }
        else if (!context.Request.Path.StartsWithSegments("/swagger", StringComparison.Ordinal))
        {
            // JSON and CSV only: nothing of the API's own may run scripts or be framed.
            headers.ContentSecurityPolicy = "default-src 'none'; frame-ancestors 'none'";
        }

        return Task.CompletedTask;
    }

    private static InvalidOperationException Invalid(string setting, string text) =>
        new($"Clv:Http:{setting} holds '{text}', which is not an IP address or a CIDR network.");
}
