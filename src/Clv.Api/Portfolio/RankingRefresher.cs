using Microsoft.Extensions.Options;

namespace Clv.Api.Portfolio;

/// <summary>
/// Keeps the current state's rankings stored (<see cref="PortfolioRankings.RefreshCurrentAsync"/>):
/// every <see cref="CheckSeconds"/> it asks whether they are due, so that they are stored before a
/// request needs them (after an import, a new day or a model run's activation), and no request
/// ranks every customer. Only with <c>Clv:Analytics:MaxStalenessSeconds</c> above 0: at 0 every
/// read ranks the snapshot it reads.
/// </summary>
internal sealed class RankingRefresher(PortfolioRankings rankings, IOptions<AnalyticsOptions> analytics, TimeProvider time, ILogger<RankingRefresher> logger)
    : BackgroundService
{
    /// <summary>How often it asks whether the current state's rankings are due a refresh.</summary>
    public const int CheckSeconds = 2;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (analytics.Value.MaxStalenessSeconds == 0)
        {
            return;
        }

        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(CheckSeconds), time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await rankings.RefreshCurrentAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Reads score against the rankings stored before; the next check tries again.
                logger.LogWarning(e, "Could not refresh the current rankings");
            }
        }
    }
}
