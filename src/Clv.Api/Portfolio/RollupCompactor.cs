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
/// customers. One instance folds at a time; the others skip. What each folding left is stored
/// (<c>period_rollup_folds</c>) and read at each check, so that neither another instance nor a
/// restarted process folds again what was folded. Folding gives way to requests' computations
/// (<see cref="ForegroundReads"/>) for up to <see cref="GiveWayAtMost"/>: a step cancelled by one
/// moves nothing (each is one statement), and the next pass folds what it left.
/// </summary>
internal sealed class RollupCompactor(IServiceScopeFactory scopes, ForegroundReads reads, TimeProvider time, ILogger<RollupCompactor> logger) : BackgroundService
{
    /// <summary>The most rows one folding step moves.</summary>
    public const int StepRows = 200_000;

    /// <summary>The longest folding gives way to requests' computations.</summary>
    public static readonly TimeSpan GiveWayAtMost = TimeSpan.FromSeconds(5);

    // Below this many rows appended, folding is not worth a statement.
    private const int MinRows = 20_000;

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
                await reads.GiveWayAsync(ct => FoldAllAsync(connectionString, ct), GiveWayAtMost, stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Unfolded rows are summed by readers all the same; the next tick tries again.
                logger.LogWarning(e, "Could not fold the group rollup");
            }
        }
    }

    // Folds each kind that is due.
    private async Task FoldAllAsync(string connectionString, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        var folds = await PeriodRollups.FoldsAsync(connection, ct);
        foreach (var kind in PeriodRollups.Kinds)
        {
            await FoldAsync(connection, kind, folds.GetValueOrDefault(kind), ct);
        }
    }

    // Folds one kind when more rows were appended to it than its last folding left (kept, through
    // the id keptThrough; none for a kind never folded).
    private async Task FoldAsync(NpgsqlConnection connection, short kind, (long Kept, long KeptThrough) last, CancellationToken ct)
    {
        var (kept, keptThrough) = last;
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
        if (moved == 0)
        {
            // Another instance holds the folding: it records what it leaves.
            return;
        }

        // What folding left (the count is the one whole read of the partition a folding makes).
        var (rows, lastId) = await PeriodRollups.CountAsync(connection, kind, ct);
        await PeriodRollups.SaveFoldAsync(connection, kind, rows, lastId, time.GetUtcNow(), ct);
        logger.LogDebug("Folded {Moved} rows of the group rollup's kind {Kind} into {Kept}", moved, kind, rows);
    }
}
