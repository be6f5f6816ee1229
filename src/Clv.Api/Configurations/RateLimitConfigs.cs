using System.Globalization;
using System.Threading.RateLimiting;
using Clv.Api.Authentication;
using Clv.Api.Observability;
using Microsoft.AspNetCore.Mvc;

namespace Clv.Api.Configurations;

/// <summary>Settings under <c>Clv:RateLimit</c>: a token bucket per authenticated API key, and one per client address for requests without a valid key.</summary>
public sealed class RateLimitOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Clv:RateLimit";

    /// <summary>Requests a key may make in a burst. Default 20,000.</summary>
    public int BurstLimit { get; set; } = 20_000;

    /// <summary>
    /// Requests per second a key regains. Default 10,000: above what one service instance serves, so
    /// it only stops a runaway client from starving the others. Below 1, one request every
    /// 1/<c>RequestsPerSecond</c> seconds (0.5: one every two seconds).
    /// </summary>
    public double RequestsPerSecond { get; set; } = 10_000;

    /// <summary>
    /// Keys from one client address that may be looked up in the database in a burst: any key but
    /// the bootstrap key and valid keys remembered from a lookup, so in effect failed
    /// authentications. Over it, such a key gets 429 without a query. Default 100.
    /// </summary>
    public int KeyLookupBurstLimit { get; set; } = 100;

    /// <summary>Key lookups per second an address regains. Default 10.</summary>
    public int KeyLookupsPerSecond { get; set; } = 10;
}

internal static class RateLimitConfigs
{
    /// <summary>The burst a key (or address) may make: <see cref="RateLimitOptions.BurstLimit"/>. Header names of draft-ietf-httpapi-ratelimit-headers.</summary>
    public const string LimitHeader = "RateLimit-Limit";

    /// <summary>Requests left in the burst.</summary>
    public const string RemainingHeader = "RateLimit-Remaining";

    /// <summary>Seconds until the burst is whole again.</summary>
    public const string ResetHeader = "RateLimit-Reset";

    /// <summary>On a 429: seconds to wait.</summary>
    public const string RetryAfterHeader = "Retry-After";

    /// <summary><c>Retry-After</c> of a 429 whose cause set none (a full model-run queue).</summary>
    public const int QueueRetryAfterSeconds = 30;

    /// <summary>The headers every answer carries (docs/api.md, "Rate limits").</summary>
    public static readonly string[] Headers = [LimitHeader, RemainingHeader, ResetHeader];

    public static IServiceCollection AddClvRateLimiting(this IServiceCollection services, IConfiguration configuration)
    {
        var limits = configuration.GetSection(RateLimitOptions.Section).Get<RateLimitOptions>() ?? new RateLimitOptions();
        services.AddSingleton(new KeyLookupLimiter(limits.KeyLookupBurstLimit, limits.KeyLookupsPerSecond));
        var limiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
            RateLimitPartition.GetTokenBucketLimiter(PartitionKey(context), _ => new TokenBucketRateLimiterOptions
            {
                TokenLimit = limits.BurstLimit,
                TokensPerPeriod = limits.RequestsPerSecond >= 1 ? (int)limits.RequestsPerSecond : 1,
                ReplenishmentPeriod = TimeSpan.FromSeconds(limits.RequestsPerSecond >= 1 ? 1 : 1 / limits.RequestsPerSecond),
                QueueLimit = 0,
                AutoReplenishment = true,
            }));
        services.AddSingleton(new RequestRateLimit(limiter, limits));
        services.AddRateLimiter(options =>
        {
            options.GlobalLimiter = limiter;

            // ASP.NET Core answers 503 by default; a client over its rate gets 429 and when to retry.
            options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            options.OnRejected = async (context, cancellationToken) =>
            {
                context.HttpContext.RequestServices.GetRequiredService<ClvMetrics>().RateLimited(ClvMetrics.Limiters.Requests);
                var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(1);
                context.HttpContext.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
                var problems = context.HttpContext.RequestServices.GetRequiredService<IProblemDetailsService>();
                await problems.WriteAsync(new ProblemDetailsContext
                {
                    HttpContext = context.HttpContext,
                    ProblemDetails = new ProblemDetails
                    {
                        Status = StatusCodes.Status429TooManyRequests,
                        Title = "Too many requests",
                        Detail = "This API key (or, without a valid key, this address) is over its request rate; retry after the number of seconds in Retry-After.",
                    },
                });
            };
        });
        return services;
    }

    /// <summary>
    /// Sends <see cref="Headers"/> on every answer, errors and 429s included: the state of the
    /// caller's bucket when the answer starts (after authentication, so a valid key's own bucket).
    /// </summary>
    public static void UseClvRateLimitHeaders(this WebApplication app) => app.Use((context, next) =>
    {
        context.Response.OnStarting(() =>
        {
            var rate = context.RequestServices.GetRequiredService<RequestRateLimit>();
            var available = rate.Limiter.GetStatistics(context)?.CurrentAvailablePermits ?? rate.Options.BurstLimit;
            var missing = Math.Max(0, rate.Options.BurstLimit - available);
            var headers = context.Response.Headers;
            headers[LimitHeader] = rate.Options.BurstLimit.ToString(CultureInfo.InvariantCulture);
            headers[RemainingHeader] = available.ToString(CultureInfo.InvariantCulture);
            headers[ResetHeader] = ((long)Math.Ceiling(missing / rate.Options.RequestsPerSecond)).ToString(CultureInfo.InvariantCulture);
            if (context.Response.StatusCode == StatusCodes.Status429TooManyRequests && !headers.ContainsKey(RetryAfterHeader))
            {
                // A 429 for another reason than the request rate (a full model-run queue) waits for work
                // to finish, not for tokens: a client polls again after this long.
                headers[RetryAfterHeader] = QueueRetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
            }

            return Task.CompletedTask;
        });
        return next(context);
    });

    /// <summary>The global limiter and its settings, for the headers.</summary>
    private sealed record RequestRateLimit(PartitionedRateLimiter<HttpContext> Limiter, RateLimitOptions Options);

    // Runs after authentication: a valid key is limited by its id, anything else (no key, an
    // invalid or revoked one) by the client's address. Keying on the raw header would give every
    // made-up key a fresh bucket: a client rotating fake keys would never be limited, and the
    // buckets would pile up.
    private static string PartitionKey(HttpContext context) =>
        context.User.FindFirst(Scopes.KeyIdClaimType)?.Value is { } keyId
            ? "key:" + keyId
            : "ip:" + context.Connection.RemoteIpAddress;
}
