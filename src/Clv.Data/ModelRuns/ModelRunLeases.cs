using Clv.Data.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Clv.Data.ModelRuns;

/// <summary>
/// Which instance executes which model run, decided in the database that every instance shares.
/// An instance claims the oldest queued run, when no run is running, and holds it by a lease that
/// it renews while the run executes; only the holder records the run's outcome. A run whose lease
/// ran out (its instance died or lost the database) is failed by whichever instance finds it first.
/// </summary>
/// <remarks>
/// Leases are compared on the database's clock, the one clock every instance shares, so clock skew
/// between hosts cannot make a live lease look expired. The stamps users read (<c>finished_at</c>
/// here; <c>started_at</c> is the runner's) come from the caller, as every other stamp of a run.
/// </remarks>
public sealed class ModelRunLeases(ClvDbContext db)
{
    /// <summary>The advisory lock a claim holds for its transaction.</summary>
    public const long LockKey = 0x436c_764d_6f64_656c; // "ClvModel"

    /// <summary>The advisory lock a request queueing a run holds for its transaction.</summary>
    public const long QueueLockKey = 0x436c_7651_7565_7565; // "ClvQueue"

    private const string Queued = nameof(ModelRunStatus.Queued);
    private const string Running = nameof(ModelRunStatus.Running);
    private const string Failed = nameof(ModelRunStatus.Failed);

    /// <summary>
    /// Stores <paramref name="run"/> as queued unless <paramref name="maxQueued"/> runs are queued
    /// already (runs that are running do not count); false when the queue is full.
    /// </summary>
    /// <remarks>
    /// Requests that queue take turns on an advisory lock held for their transaction, so the count
    /// each one checks includes every run queued before it, through any instance: two requests
    /// meeting at the last free place cannot both take it.
    /// </remarks>
    public Task<bool> TryQueueAsync(ModelRun run, int maxQueued, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        return db.InTransactionAsync(async (connection, ct) =>
        {
            await connection.ExecuteAsync($"SELECT pg_advisory_xact_lock({QueueLockKey})", ct);
            await using var insert = new NpgsqlCommand($"""
                INSERT INTO model_runs (id, status, stage, progress, options, is_active, created_at)
                SELECT @id, '{Queued}', @stage, 0, @options::jsonb, false, @created
                WHERE (SELECT count(*) FROM model_runs WHERE status = '{Queued}') < @max
                """, connection);
            insert.Parameters.Add(new NpgsqlParameter("id", run.Id));
            insert.Parameters.Add(new NpgsqlParameter("stage", run.Stage));
            insert.Parameters.Add(new NpgsqlParameter("options", run.Options));
            insert.Parameters.Add(new NpgsqlParameter("created", run.CreatedAt));
            insert.Parameters.Add(new NpgsqlParameter("max", (long)maxQueued));
            return await insert.ExecuteNonQueryAsync(ct) == 1;
        }, cancellationToken);
    }

    /// <summary>
    /// Claims the oldest queued run for <paramref name="owner"/>, marks it running and returns its
    /// id; null when a run is running already, none is queued, or another instance is claiming.
    /// </summary>
    /// <remarks>
    /// Claims take an advisory lock for their transaction, so one instance claims at a time and the
    /// statement after the lock sees every claim committed before it: one run runs at a time across
    /// instances, in request order. (<c>FOR UPDATE SKIP LOCKED</c> alone would claim each run once,
    /// but let every instance claim a different run at the same moment.) An instance that finds the
    /// lock taken skips this turn: the holder claims the run there is to claim.
    /// </remarks>
    public Task<Guid?> TryClaimAsync(Guid owner, TimeSpan lease, CancellationToken cancellationToken) =>
        db.InTransactionAsync<Guid?>(async (connection, ct) =>
        {
            await using (var lockCommand = new NpgsqlCommand($"SELECT pg_try_advisory_xact_lock({LockKey})", connection))
            {
                if (await lockCommand.ExecuteScalarAsync(ct) is not true)
                {
                    return null;
                }
            }

            await using var claim = new NpgsqlCommand($"""
                UPDATE model_runs SET status = '{Running}', lease_owner = @owner, lease_expires_at = now() + @lease
                WHERE id = (
                    SELECT id FROM model_runs
                    WHERE status = '{Queued}' AND NOT EXISTS (SELECT 1 FROM model_runs WHERE status = '{Running}')
                    ORDER BY created_at, id
                    LIMIT 1)
                RETURNING id
                """, connection);
            claim.Parameters.Add(new NpgsqlParameter("owner", owner));
            claim.Parameters.Add(new NpgsqlParameter("lease", lease));
            return await claim.ExecuteScalarAsync(ct) as Guid?;
        }, cancellationToken);

    /// <summary>
    /// Extends the lease of a run <paramref name="owner"/> holds; false when it no longer holds it
    /// (another instance failed the run and took the lease). A run its owner has just finished is
    /// still its own: a renewal that meets the final commit is no loss.
    /// </summary>
    public async Task<bool> RenewAsync(Guid runId, Guid owner, TimeSpan lease, CancellationToken cancellationToken) =>
        await db.Database.ExecuteSqlAsync($"""
            UPDATE model_runs SET lease_expires_at = now() + {lease}
            WHERE id = {runId} AND lease_owner = {owner}
            """, cancellationToken) == 1;

    /// <summary>Fails a running run that <paramref name="owner"/> still holds; false when it does not.</summary>
    public async Task<bool> FailAsync(Guid runId, Guid owner, string error, DateTimeOffset now, CancellationToken cancellationToken) =>
        await db.Database.ExecuteSqlAsync($"""
            UPDATE model_runs SET status = {Failed}, error = {error}, finished_at = {now}
            WHERE id = {runId} AND lease_owner = {owner} AND status = {Running}
            """, cancellationToken) == 1;

    /// <summary>
    /// Fails every running run whose lease has run out, and takes the lease from its owner, so that
    /// the owner, should it still be alive, can no longer record an outcome. Returns their ids.
    /// </summary>
    public Task<List<Guid>> FailExpiredAsync(string error, DateTimeOffset now, CancellationToken cancellationToken) =>
        db.InTransactionAsync(async (connection, ct) =>
        {
            await using var command = new NpgsqlCommand($"""
                UPDATE model_runs SET status = '{Failed}', lease_owner = NULL, error = @error, finished_at = @now
                WHERE status = '{Running}' AND lease_expires_at < now()
                RETURNING id
                """, connection);
            command.Parameters.Add(new NpgsqlParameter("error", error));
            command.Parameters.Add(new NpgsqlParameter("now", now));
            var ids = new List<Guid>();
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                ids.Add(reader.GetGuid(0));
            }

            return ids;
        }, cancellationToken);
}
