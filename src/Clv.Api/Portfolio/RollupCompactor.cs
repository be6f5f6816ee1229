using Clv.Data;
using Clv.Data.Rollups;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Clv.Api.Portfolio;

/// <summary>
/// Folds the group rollup's rows of deltas into one row per cell (<see cref="PeriodRollups"/>),
/// partition by partition (the month cells first, which most reads sum), in steps of at most
/// <see cref="StepRows"/> rows, whenever the rows appended to a partition since its last folding
/// outnumber those that folding left: readers then sum at most about twice as many rows as there
/// are cells, however much was written, and a partition that takes few deltas (the months) is
/// folded as they come rather than behind one that takes many (the counts per net revenue). The
/// check each second reads at most that many entries of each partition's key past the highest id
/// the last folding saw (ids only grow): counting every row cost a tenth of a core at a million
/// customers. One instance folds at a time; the others skip.
/// </summary>
internal sealed class RollupCompactor(IServiceScopeFactory scopes, TimeProvider time, ILogger<RollupCompactor> logger) : BackgroundService
{
    /// <summary>The most rows one folding step moves.</summary>
    public const int StepRows = 200_000;

    // Below this many rows appended, folding is not worth a statement.
    private const int MinRows = 20_000;

    // Per kind, what its last folding left: how many rows, and the highest id then.
    private readonly Dictionary<short, (long Kept, long KeptThrough)> _folded = PeriodRollups.Kinds.ToDictionary(k => k, _ => (0L, 0L));

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
                foreach (var kind in PeriodRollups.Kinds)
                {
                    await FoldAsync(connection, kind, stoppingToken);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Unfolded rows are summed by readers all the same; the next tick tries again.
                logger.LogWarning(e, "Could not fold the group rollup");
            }
        }
    }

    private async Task FoldAsync(NpgsqlConnection connection, short kind, CancellationToken ct)
    {
        var (kept, keptThrough) = _folded[kind];
        if (!await PeriodRollups.AppendedMoreThanAsync(connection, kind, keptThrough, Math.Max(MinRows, kept), ct))
        {
            return;
        }

        // One pass over the rows there are now: the rows each step folds take ids above these.
        var through = await PeriodRollups.LastIdAsync(connection, kind, ct);
        long moved = 0, step;
        do
        {
            moved += step = await PeriodRollups.CompactAsync(connection, kind, through, StepRows, ct);
        }
        while (step == StepRows);

        // What folding left (the count is the one whole read of the partition a folding makes).
        _folded[kind] = await PeriodRollups.CountAsync(connection, kind, ct);
        logger.LogDebug("Folded {Moved} rows of the group rollup's kind {Kind} into {Kept}", moved, kind, _folded[kind].Kept);
    }
}
