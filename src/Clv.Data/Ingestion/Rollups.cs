using Clv.Data.Analytics;
using Clv.Data.Customers;
using Clv.Data.Infrastructure;
using Npgsql;

namespace Clv.Data.Ingestion;

/// <summary>
/// The per-customer rollups (<c>customer_days</c> and <c>customer_summaries</c>) are derived from
/// the transactions after they are stored, not while: an ingest transaction stores its rows and
/// queues the ids of the customers it touched in <c>rollup_queue</c>, and a catch-up later
/// recomputes those customers' days and summaries from their transactions in one set-based pass.
/// Readers of the rollups call <see cref="EnsureCurrentAsync"/> first, which catches up when any
/// committed write is not rolled up yet, so a read always sees every write acknowledged before it.
/// </summary>
/// <remarks>
/// Which writes are rolled up is kept in the database, so it holds across processes: every write
/// bumps <c>data_version</c>, and a catch-up records in <c>rollup_state.rolled_up_version</c> the
/// version it read before draining the queue. Writes up to that version had committed by then, so
/// their queued ids were drained with the rest. One catch-up runs at a time (an advisory lock); it
/// takes the erasure lock shared after it, the order an erasure takes them in too.
/// </remarks>
public static class Rollups
{
    /// <summary>The advisory lock a catch-up holds for its transaction.</summary>
    public const long LockKey = 0x436c_7652_6f6c_6c75; // "ClvRollu"

    // Customers from which a catch-up refreshes the statistics of the days it wrote.
    private const long LargeBatch = 10_000;

    /// <summary>SQL for the versions a read can compare: data version, then rolled-up version.</summary>
    public const string VersionsSql =
        "SELECT (SELECT version FROM data_version WHERE id = 1), coalesce((SELECT rolled_up_version FROM rollup_state WHERE id = 1), -1)";

    /// <summary>Catches up when a committed write is not rolled up yet; returns whether it did.</summary>
    /// <param name="db">The context whose connection reads, and catches up in a transaction of its own.</param>
    /// <param name="timeZone">IANA id of the reporting time zone that defines the days.</param>
    /// <param name="now">The time recorded with the rollup state, passed in rather than read from the database clock.</param>
    /// <param name="retry">How a catch-up failing transiently is re-run.</param>
    /// <param name="cancellationToken">Cancels the check or the catch-up; a cancelled catch-up keeps nothing.</param>
    public static async Task<bool> EnsureCurrentAsync(ClvDbContext db, string timeZone, DateTimeOffset now, TransientRetry retry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        var (version, rolledUp) = await db.InTransactionAsync(async (connection, ct) => await ReadVersionsAsync(connection, ct), retry, cancellationToken);
        if (rolledUp >= version)
        {
            return false;
        }

        await db.InTransactionAsync(async (connection, ct) => await CatchUpAsync(connection, timeZone, now, ct), retry, cancellationToken);
        return true;
    }

    /// <summary>The data version and the rolled-up version, read in one snapshot.</summary>
    public static async Task<(long Version, long RolledUp)> ReadVersionsAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        await using var command = new NpgsqlCommand(VersionsSql, connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return (reader.GetInt64(0), reader.GetInt64(1));
    }

    /// <summary>
    /// In the caller's transaction: drains the queue and recomputes the queued customers' days and
    /// summaries from their transactions. Returns how many customers it recomputed.
    /// </summary>
    public static async Task<long> CatchUpAsync(NpgsqlConnection connection, string timeZone, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        await connection.ExecuteAsync($"SELECT pg_advisory_xact_lock({LockKey})", cancellationToken);
        await CustomerErasure.ShareAsync(connection, cancellationToken);
        // The day rollup groups each customer's transactions in the order of their index: a sort
        // per customer and a streaming aggregate. A hash aggregate over a large import's rows
        // spills to disk instead, at three times the cost.
        await connection.ExecuteAsync("SET LOCAL work_mem = '64MB'; SET LOCAL enable_hashagg = off", cancellationToken);
        var version = await DataVersion.ReadAsync(connection, cancellationToken);

        // Ids of customers erased since they were queued are dropped: nothing is left to roll up.
        await connection.ExecuteAsync("""
            DROP TABLE IF EXISTS pg_temp.rollup_batch;
            CREATE TEMP TABLE rollup_batch (customer_id bigint PRIMARY KEY) ON COMMIT DROP;
            WITH drained AS (DELETE FROM rollup_queue RETURNING customer_id)
            INSERT INTO rollup_batch SELECT DISTINCT d.customer_id FROM drained d JOIN customers c ON c.id = d.customer_id;
            ANALYZE rollup_batch;
            """, cancellationToken);
        long customers;
        await using (var count = new NpgsqlCommand("SELECT count(*) FROM rollup_batch", connection))
        {
            customers = (long)(await count.ExecuteScalarAsync(cancellationToken))!;
        }

        if (customers > 0)
        {
            await connection.ExecuteAsync($"""
                DELETE FROM customer_days d USING rollup_batch b WHERE d.customer_id = b.customer_id;
                INSERT INTO customer_days ({DayRollupSql.Columns})
                SELECT {DayRollupSql.SelectList}
                FROM transactions JOIN rollup_batch USING (customer_id)
                GROUP BY 1, 2;
                """, cancellationToken, new NpgsqlParameter("tz", timeZone));
            if (customers >= LargeBatch)
            {
                // Days written in this transaction are not in the statistics yet; without them the
                // summaries' plan takes the table for small and sorts all of it on disk.
                await connection.ExecuteAsync("ANALYZE customer_days", cancellationToken);
            }

            await CustomerSummaries.RecomputeBatchAsync(connection, cancellationToken);
        }

        await MarkRolledUpAsync(connection, version, timeZone, now, cancellationToken);
        return customers;
    }

    /// <summary>Records that every write up to <paramref name="version"/> is rolled up.</summary>
    internal static Task MarkRolledUpAsync(NpgsqlConnection connection, long version, string timeZone, DateTimeOffset now, CancellationToken cancellationToken) =>
        connection.ExecuteAsync("""
            INSERT INTO rollup_state (id, time_zone, updated_at, rolled_up_version) VALUES (1, @tz, @now, @version)
            ON CONFLICT (id) DO UPDATE SET rolled_up_version = greatest(rollup_state.rolled_up_version, excluded.rolled_up_version)
            """, cancellationToken, new NpgsqlParameter("tz", timeZone), new NpgsqlParameter("now", now), new NpgsqlParameter("version", version));
}
