using Clv.Data;
using Clv.Data.Rollups;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Clv.Api.Portfolio;

/// <summary>
/// Folds the group rollup's rows of deltas into one row per cell (<see cref="PeriodRollups"/>),
/// in steps of at most <see cref="StepRows"/> rows, whenever the rows appended since the last
/// folding outnumber those it left: readers then sum about as many rows as there are cells,
/// however much was written. The check each second reads only the highest id (one step down the
/// key; ids only grow, so it bounds the rows appended since): counting the rows cost a tenth of a
/// core at a million customers. One instance folds at a time; the others skip.
/// </summary>
internal sealed class RollupCompactor(IServiceScopeFactory scopes, TimeProvider time, ILogger<RollupCompactor> logger) : BackgroundService
{
    /// <summary>The most rows one folding step moves.</summary>
    public const int StepRows = 200_000;

    // Below this many rows, folding is not worth a statement.
    private const int MinRows = 20_000;

    // What the last folding left: how many rows, and the highest id then.
    private long _kept;
    private long _keptThrough;

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
        var appended = await PeriodRollups.LastIdAsync(connection, ct) - _keptThrough;
        if (appended <= Math.Max(MinRows, _kept))
        {
            return;
        }

        // One pass over the rows there are: each step takes the oldest, folded ones included.
        var (rows, _) = await PeriodRollups.CountAsync(connection, ct);
        for (var left = rows; left > 0; left -= StepRows)
        {
            if (await PeriodRollups.CompactAsync(connection, StepRows, ct) < StepRows)
            {
                break;
            }
        }

        (_kept, _keptThrough) = await PeriodRollups.CountAsync(connection, ct);
        logger.LogDebug("Folded the group rollup from {Rows} rows to {Kept}", rows, _kept);
    }
}
