using Clv.Data;
using Clv.Data.Rollups;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Clv.Api.Portfolio;

/// <summary>
/// Folds the group rollup's rows of deltas into one row per cell (<see cref="PeriodRollups"/>),
/// in steps of at most <see cref="StepRows"/> rows, whenever they have grown to twice what the
/// last folding left: readers then sum a few thousand rows, however much was written. One
/// instance folds at a time; the others skip.
/// </summary>
internal sealed class RollupCompactor(IServiceScopeFactory scopes, TimeProvider time, ILogger<RollupCompactor> logger) : BackgroundService
{
    /// <summary>The most rows one folding step moves.</summary>
    public const int StepRows = 200_000;

    // Below this many rows, folding is not worth a statement.
    private const int MinRows = 20_000;

    private long _kept;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        string connectionString;
        await using (var scope = scopes.CreateAsyncScope())
        {
            connectionString = scope.ServiceProvider.GetRequiredService<ClvDbContext>().Database.GetConnectionString()!;
        }

        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await using var connection = new NpgsqlConnection(connectionString);
                await connection.OpenAsync(stoppingToken);
                await FoldAsync(connection, stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Unfolded rows are summed by readers all the same; the next tick tries again.
                logger.LogWarning(e, "Could not fold the group rollup");
            }
        }
    }

    private async Task FoldAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        var rows = await PeriodRollups.CountAsync(connection, ct);
        if (rows <= Math.Max(MinRows, 2 * _kept))
        {
            return;
        }

        // One pass over the rows there were: each step takes the oldest, folded ones included.
        for (var left = rows; left > 0; left -= StepRows)
        {
            if (await PeriodRollups.CompactAsync(connection, StepRows, ct) < StepRows)
            {
                break;
            }
        }

        _kept = await PeriodRollups.CountAsync(connection, ct);
        logger.LogDebug("Folded the group rollup from {Rows} rows to {Kept}", rows, _kept);
    }
}
