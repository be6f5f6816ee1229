using Clv.Api.ModelRuns;
using Clv.Data.ModelRuns;

namespace Clv.Api.Configurations;

internal static class ModelRunConfigs
{
    public static IServiceCollection AddClvModelRuns(this IServiceCollection services)
    {
        services.AddSingleton<ModelRunWakeUp>();
        services.AddScoped<ModelRunner>();
        services.AddScoped<ModelRunLauncher>();
        services.AddOptions<ModelRunScheduleOptions>().BindConfiguration(ModelRunScheduleOptions.Section);
        services.AddHostedService<ModelRunScheduler>();
        services.AddScoped<PredictionStore>();
        services.AddScoped<ModelRunLeases>();
        services.AddOptions<ModelRunLeaseOptions>().BindConfiguration(ModelRunLeaseOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddHostedService<ModelRunWorker>();
        return services;
    }
}
