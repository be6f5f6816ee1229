using Clv.Data.Analytics;
using Clv.Data.Customers;
using Clv.Data.Infrastructure;
using Npgsql;

namespace Clv.Data.Rollups;

/// <summary>
/// Keeps the day rollup on the configured reporting time zone: when the zone the rollups were
/// built with differs from the configured one, they are rebuilt from the transactions before the
/// service takes requests, <see cref="ChunkCustomers"/> customers per database transaction, so no
/// transaction grows with the portfolio. The progress is stored: a rebuild cut short by a crash
/// resumes after the last chunk it committed.
/// </summary>
/// <remarks>
/// Each chunk locks its customers' summaries first, as every writer does (<see cref="RollupWriter"/>),
/// and recomputes their days and summaries from their transactions, so a write that another
/// instance makes meanwhile is either in the recomputation or waits for it. Until the rebuild ends,
/// the customers it has not reached keep days of the old zone.
/// <para>
/// The group rollup (<see cref="PeriodRollups"/>) is emptied when a rebuild starts or resumes, and
/// built again, chunk by chunk, once the days are (<see cref="EnsurePeriodRollupsAsync"/>, which
/// also builds it when a migration leaves it to build). Those steps hold the writers' lock alone
/// (<see cref="CustomerErasure.ExcludeWritersAsync"/>), so each writer sees the rollup's progress
/// as one value for its whole transaction, and maintains exactly the customers built already.
/// </para>
/// </remarks>
public sealed class RollupRebuilder(ClvDbContext db)
{
    /// <summary>Customers rebuilt per database transaction.</summary>
    public const int ChunkCustomers = 10_000;

    // Concurrent starts of several instances rebuild once: the others wait, then find it done.
    private const string LockSql = "SELECT pg_advisory_xact_lock(hashtext('clv.rollup_rebuild'))";

    /// <summary>Rebuilds the rollups when they were computed in another zone; returns whether it did.</summary>
    public async Task<bool> EnsureTimeZoneAsync(string timeZone, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var started = await db.InTransactionAsync(async (connection, ct) =>
        {
            await connection.ExecuteAsync(LockSql, ct);
            await connection.ExecuteAsync("INSERT INTO rollup_state (id, time_zone, updated_at) VALUES (1, @tz, @now) ON CONFLICT (id) DO NOTHING", ct,
                new NpgsqlParameter("tz", timeZone), new NpgsqlParameter("now", now));
            // A rebuild to the same zone cut short resumes where it stopped; one to another zone starts over.
            await using var start = new NpgsqlCommand("""
                UPDATE rollup_state SET rebuilt_through = CASE WHEN rebuilding_to = @tz THEN rebuilt_through ELSE 0 END, rebuilding_to = @tz
                WHERE id = 1 AND (time_zone <> @tz OR rebuilding_to IS NOT NULL)
                """, connection);
            start.Parameters.Add(new NpgsqlParameter("tz", timeZone));
            if (await start.ExecuteNonQueryAsync(ct) == 0)
            {
                return false;
            }

            // The cells count days in the old zone: they are built again once the days are. The
            // writers in flight finish first, and the next ones find nothing to maintain.
            await CustomerErasure.ExcludeWritersAsync(connection, ct);
            await connection.ExecuteAsync("DELETE FROM period_rollups; UPDATE rollup_state SET period_rollups_through = 0 WHERE id = 1", ct);
            return true;
        }, cancellationToken);
        if (!started)
        {
            return false;
        }

        while (await RebuildNextChunkAsync(timeZone, now, cancellationToken))
        {
        }

        return true;
    }

    // The next customers after the stored progress, rebuilt in one transaction; false when none is
    // left, and the rebuild is then marked done.
    private Task<bool> RebuildNextChunkAsync(string timeZone, DateTimeOffset now, CancellationToken cancellationToken) =>
        db.InTransactionAsync(async (connection, ct) =>
        {
            await connection.ExecuteAsync(LockSql, ct);
            var ids = new List<long>(ChunkCustomers);
            await using (var next = new NpgsqlCommand("""
                SELECT s.customer_id FROM customer_summaries s
                WHERE s.customer_id > (SELECT rebuilt_through FROM rollup_state WHERE id = 1)
                ORDER BY s.customer_id LIMIT @n
                FOR UPDATE
                """, connection))
            {
                next.Parameters.Add(new NpgsqlParameter("n", ChunkCustomers));
                await using var reader = await next.ExecuteReaderAsync(ct);
                while (await reader.ReadAsync(ct))
                {
                    ids.Add(reader.GetInt64(0));
                }
            }

            if (ids.Count == 0)
            {
                await connection.ExecuteAsync(
                    "UPDATE rollup_state SET time_zone = @tz, rebuilding_to = NULL, rebuilt_through = 0, updated_at = @now WHERE id = 1", ct,
                    new NpgsqlParameter("tz", timeZone), new NpgsqlParameter("now", now));
                await DataVersion.BumpAsync(connection, now, ct);
                return false;
            }

            var chunk = ids.ToArray();
            await connection.ExecuteAsync($"""
                DELETE FROM customer_days d USING unnest(@ids) AS i(customer_id) WHERE d.customer_id = i.customer_id;
                INSERT INTO customer_days ({DayRollupSql.Columns})
                SELECT {DayRollupSql.SelectList}
                FROM transactions JOIN unnest(@ids) AS i(customer_id) USING (customer_id)
                GROUP BY 1, 2;
                UPDATE rollup_state SET rebuilt_through = @last WHERE id = 1;
                """, ct, new NpgsqlParameter("tz", timeZone), CustomerSummaries.IdsParameter(chunk), new NpgsqlParameter("last", chunk[^1]));
            await CustomerSummaries.RecomputeIdsAsync(connection, chunk, ct);
            return true;
        }, cancellationToken);

    /// <summary>
    /// Builds the group rollup when it is not complete (a migration added it to a database with
    /// customers, or a zone rebuild emptied it) or counts spells of another churn window than
    /// <paramref name="churnWindowDays"/> (it is emptied first), <see cref="ChunkCustomers"/>
    /// customers per transaction; returns whether it did.
    /// </summary>
    public async Task<bool> EnsurePeriodRollupsAsync(int churnWindowDays, CancellationToken cancellationToken)
    {
        // Complete, as it nearly always is: no lock is taken, so a start never waits for writers.
        const string CompleteSql = "SELECT coalesce((SELECT period_rollups_through IS NULL AND period_rollups_window IS NOT DISTINCT FROM @window FROM rollup_state WHERE id = 1), true)";
        var complete = await db.InTransactionAsync(async (connection, ct) =>
        {
            await using var command = new NpgsqlCommand(CompleteSql, connection);
            command.Parameters.Add(new NpgsqlParameter("window", churnWindowDays));
            return await command.ExecuteScalarAsync(ct) is true;
        }, cancellationToken);
        if (complete)
        {
            return false;
        }

        await db.InTransactionAsync(async (connection, ct) =>
        {
            await connection.ExecuteAsync(LockSql, ct);
            await CustomerErasure.ExcludeWritersAsync(connection, ct);
            await connection.ExecuteAsync("""
                DELETE FROM period_rollups WHERE (SELECT period_rollups_window IS DISTINCT FROM @window FROM rollup_state WHERE id = 1);
                UPDATE rollup_state SET period_rollups_through = 0, period_rollups_window = @window WHERE id = 1 AND period_rollups_window IS DISTINCT FROM @window;
                """, ct, new NpgsqlParameter("window", churnWindowDays));
            return true;
        }, cancellationToken);

        var built = false;
        while (await BuildNextPeriodChunkAsync(cancellationToken))
        {
            built = true;
        }

        return built;
    }

    // The next customers after the rollup's progress, added in one transaction; false when every
    // customer is in (the rollup is then marked complete), or a zone rebuild is building it.
    private Task<bool> BuildNextPeriodChunkAsync(CancellationToken cancellationToken) =>
        db.InTransactionAsync(async (connection, ct) =>
        {
            await connection.ExecuteAsync(LockSql, ct);
            await CustomerErasure.ExcludeWritersAsync(connection, ct);
            var ids = new List<long>(ChunkCustomers);
            string? zone = null;
            var window = 0;
            await using (var next = new NpgsqlCommand("""
                SELECT r.time_zone, r.period_rollups_window, s.customer_id
                FROM rollup_state r
                LEFT JOIN LATERAL (
                    SELECT customer_id FROM customer_summaries WHERE customer_id > r.period_rollups_through ORDER BY customer_id LIMIT @n
                ) s ON true
                WHERE r.id = 1 AND r.period_rollups_through IS NOT NULL AND r.rebuilding_to IS NULL
                """, connection))
            {
                next.Parameters.Add(new NpgsqlParameter("n", ChunkCustomers));
                await using var reader = await next.ExecuteReaderAsync(ct);
                while (await reader.ReadAsync(ct))
                {
                    (zone, window) = (reader.GetString(0), reader.GetInt32(1));
                    if (!reader.IsDBNull(2))
                    {
                        ids.Add(reader.GetInt64(2));
                    }
                }
            }

            if (zone is null)
            {
                return false;
            }

            if (ids.Count == 0)
            {
                await connection.ExecuteAsync("UPDATE rollup_state SET period_rollups_through = NULL WHERE id = 1", ct);
                return false;
            }

            await PeriodRollups.WriteAsync(connection, [.. ids], zone, window, 1, ct);
            await connection.ExecuteAsync("UPDATE rollup_state SET period_rollups_through = @last WHERE id = 1", ct, new NpgsqlParameter("last", ids[^1]));
            return true;
        }, cancellationToken);
}
