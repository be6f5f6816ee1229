using System.Text.Json;
using System.Text.Json.Serialization;
using Clv.Api.Infrastructure;

namespace Clv.Api.Configurations;

internal static class ApiConfigs
{
    public static IServiceCollection AddClvControllers(this IServiceCollection services)
    {
        services.AddControllers(options => options.Conventions.Add(new HeadAsGetConvention()))
            .AddJsonOptions(options =>
            {
                var json = options.JsonSerializerOptions;
                json.NumberHandling = JsonNumberHandling.Strict;
                // {"amount": 1, "amount": 1000} is refused (400 naming the path), not read as its last value.
                json.AllowDuplicateProperties = false;
                json.DefaultIgnoreCondition = JsonIgnoreCondition.Never;
                json.Converters.Add(new DecimalJsonConverter());
                json.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
            });
        // Bulk actions ([TrimsHeap]) and model runs return the memory they made the collector commit.
        services.AddSingleton<HeapTrim>();
        return services;
    }
}
