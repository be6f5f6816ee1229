using Clv.Data.Analytics;
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
            return await start.ExecuteNonQueryAsync(ct) > 0;
        }, cancellationToken);
        if (!started)
        {
            return false;
        }

        while (await RebuildNextChunkAsync(timeZone, cancellationToken))
        {
        }

        await db.InTransactionAsync(async (connection, ct) =>
        {
            await connection.ExecuteAsync(
                "UPDATE rollup_state SET time_zone = @tz, rebuilding_to = NULL, rebuilt_through = 0, updated_at = @now WHERE id = 1", ct,
                new NpgsqlParameter("tz", timeZone), new NpgsqlParameter("now", now));
            await DataVersion.BumpAsync(connection, now, ct);
            return true;
        }, cancellationToken);
        return true;
    }

    // The next customers after the stored progress, rebuilt in one transaction; false when none is left.
    private Task<bool> RebuildNextChunkAsync(string timeZone, CancellationToken cancellationToken) =>
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
}
