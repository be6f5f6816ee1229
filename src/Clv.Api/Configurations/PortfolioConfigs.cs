using Clv.Api.Portfolio;

namespace Clv.Api.Configurations;

internal static class PortfolioConfigs
{
    public static IServiceCollection AddClvPortfolio(this IServiceCollection services)
    {
        services.AddOptions<AnalyticsOptions>().BindConfiguration(AnalyticsOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<ForegroundReads>();
        services.AddSingleton<PortfolioRankings>();
        services.AddSingleton<AnalyticsAnswers>();
        services.AddHostedService<RollupCompactor>();
        services.AddHostedService<RankingRefresher>();
        return services;
    }
}
