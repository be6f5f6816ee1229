using Clv.Data.Analytics;
using Clv.Data.Infrastructure;
using Npgsql;

namespace Clv.Data.Rollups;

/// <summary>
/// Keeps the day rollup on the configured reporting time zone: when the zone the rollups were
/// built with differs from the configured one, they are rebuilt from the transactions, in one
/// database transaction, before the service takes requests.
/// </summary>
public sealed class RollupRebuilder(ClvDbContext db)
{
    /// <summary>Rebuilds the rollups when they were computed in another zone; returns whether it did.</summary>
    public Task<bool> EnsureTimeZoneAsync(string timeZone, DateTimeOffset now, CancellationToken cancellationToken) =>
        db.InTransactionAsync(async (connection, ct) =>
        {
            // The row lock makes concurrent starts rebuild once.
            await connection.ExecuteAsync("INSERT INTO rollup_state (id, time_zone, updated_at) VALUES (1, @tz, @now) ON CONFLICT (id) DO NOTHING", ct,
                new NpgsqlParameter("tz", timeZone), new NpgsqlParameter("now", now));
            await using var read = new NpgsqlCommand("SELECT time_zone FROM rollup_state WHERE id = 1 FOR UPDATE", connection);
            var stored = (string)(await read.ExecuteScalarAsync(ct))!;
            if (stored == timeZone)
            {
                return false;
            }

            await connection.ExecuteAsync($"""
                DELETE FROM customer_days;
                INSERT INTO customer_days ({DayRollupSql.Columns})
                SELECT {DayRollupSql.SelectList}
                FROM transactions
                GROUP BY 1, 2;
                UPDATE rollup_state SET time_zone = @tz, updated_at = @now WHERE id = 1;
                """, ct, new NpgsqlParameter("tz", timeZone), new NpgsqlParameter("now", now));
            await CustomerSummaries.RecomputeAllAsync(connection, ct);
            await DataVersion.BumpAsync(connection, now, ct);
            return true;
        }, cancellationToken);
}
