using Clv.Data.Customers;
using Clv.Data.Infrastructure;
using Npgsql;
using NpgsqlTypes;

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

    // Customers from which a catch-up joins a temporary table instead of looking ids up by array.
    internal const int LargeBatch = 10_000;

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

        await db.InTransactionAsync(async (connection, ct) => await CatchUpAsync(connection, timeZone, now, ct, version), retry, cancellationToken);
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
    /// <param name="connection">The caller's connection, in its transaction.</param>
    /// <param name="timeZone">IANA id of the reporting time zone that defines the days.</param>
    /// <param name="now">The time recorded with the rollup state.</param>
    /// <param name="cancellationToken">Cancels the catch-up.</param>
    /// <param name="needed">The version the caller needs rolled up: when the catch-up it waited for reached it, there is nothing to do.</param>
    public static async Task<long> CatchUpAsync(NpgsqlConnection connection, string timeZone, DateTimeOffset now, CancellationToken cancellationToken, long? needed = null)
    {
        ArgumentNullException.ThrowIfNull(connection);
        await connection.ExecuteAsync($"SELECT pg_advisory_xact_lock({LockKey})", cancellationToken);
        var (version, rolledUp) = await ReadVersionsAsync(connection, cancellationToken);
        if (needed is { } neededVersion && rolledUp >= neededVersion)
        {
            return 0; // readers that queued behind one catch-up do not each run another
        }

        await CustomerErasure.ShareAsync(connection, cancellationToken);
        var ids = new HashSet<long>();
        await using (var drain = new NpgsqlCommand("DELETE FROM rollup_queue RETURNING customer_id", connection))
        await using (var reader = await drain.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                ids.Add(reader.GetInt64(0));
            }
        }

        if (ids.Count >= LargeBatch)
        {
            await RecomputeLargeAsync(connection, ids.ToArray(), timeZone, cancellationToken);
        }
        else if (ids.Count > 0)
        {
            // A few customers, as under a steady trickle of writes: index lookups by array, no
            // temporary table (its catalog writes would cost more than the work).
            var array = ids.ToArray();
            await connection.ExecuteAsync(
                DaysSql("DELETE FROM customer_days WHERE customer_id = ANY(@ids)", "transactions WHERE customer_id = ANY(@ids)"),
                cancellationToken, new NpgsqlParameter("tz", timeZone), IdsParameter(array));
            await CustomerSummaries.RecomputeIdsAsync(connection, array, cancellationToken);
        }

        await MarkRolledUpAsync(connection, version, timeZone, now, cancellationToken);
        return ids.Count;
    }

    // Many customers, as after an import: a temporary table joined in one pass, days grouped in
    // the order of the transactions' index (a hash aggregate over this many rows spills to disk,
    // at three times the cost), and fresh statistics for the days just written.
    private static async Task RecomputeLargeAsync(NpgsqlConnection connection, long[] ids, string timeZone, CancellationToken cancellationToken)
    {
        // Ids of customers erased since they were queued are dropped: nothing is left to roll up.
        await connection.ExecuteAsync($"""
            SET LOCAL work_mem = '64MB';
            SET LOCAL enable_hashagg = off;
            DROP TABLE IF EXISTS pg_temp.rollup_batch;
            CREATE TEMP TABLE rollup_batch (customer_id bigint PRIMARY KEY) ON COMMIT DROP;
            INSERT INTO rollup_batch SELECT c.id FROM unnest(@ids) AS q(id) JOIN customers c ON c.id = q.id;
            ANALYZE rollup_batch;
            {DaysSql("DELETE FROM customer_days d USING rollup_batch b WHERE d.customer_id = b.customer_id", "transactions JOIN rollup_batch USING (customer_id)")}
            ANALYZE customer_days;
            """, cancellationToken, new NpgsqlParameter("tz", timeZone), IdsParameter(ids));
        await CustomerSummaries.RecomputeBatchAsync(connection, cancellationToken);
    }

    // The batch's days are replaced by those its transactions give now.
    private static string DaysSql(string deleteBatchDays, string batchTransactions) => $"""
        {deleteBatchDays};
        INSERT INTO customer_days ({DayRollupSql.Columns})
        SELECT {DayRollupSql.SelectList}
        FROM {batchTransactions}
        GROUP BY 1, 2;
        """;

    internal static NpgsqlParameter IdsParameter(long[] ids) => new("ids", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { Value = ids };

    /// <summary>Records that every write up to <paramref name="version"/> is rolled up.</summary>
    internal static Task MarkRolledUpAsync(NpgsqlConnection connection, long version, string timeZone, DateTimeOffset now, CancellationToken cancellationToken) =>
        connection.ExecuteAsync("""
            INSERT INTO rollup_state (id, time_zone, updated_at, rolled_up_version) VALUES (1, @tz, @now, @version)
            ON CONFLICT (id) DO UPDATE SET rolled_up_version = greatest(rollup_state.rolled_up_version, excluded.rolled_up_version)
            """, cancellationToken, new NpgsqlParameter("tz", timeZone), new NpgsqlParameter("now", now), new NpgsqlParameter("version", version));
}
