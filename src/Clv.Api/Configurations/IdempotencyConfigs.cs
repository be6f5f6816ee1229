using Clv.Api.Idempotency;
using Clv.Data.Idempotency;

namespace Clv.Api.Configurations;

internal static class IdempotencyConfigs
{
    public static IServiceCollection AddClvIdempotency(this IServiceCollection services)
    {
        services.AddOptions<IdempotencyOptions>().BindConfiguration(IdempotencyOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddScoped<IdempotencyStore>();
        services.AddHostedService<IdempotencyPurger>();
        return services;
    }

    /// <summary>After authorization: a request that fails it never claims a key.</summary>
    public static void UseClvIdempotency(this WebApplication app) => app.UseMiddleware<IdempotencyMiddleware>();
}
