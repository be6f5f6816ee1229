using Clv.Data.Infrastructure;
using Npgsql;
using NpgsqlTypes;

namespace Clv.Data.Rollups;

/// <summary>Computes <c>customer_summaries</c> as the sums of each customer's day rollup.</summary>
internal static class CustomerSummaries
{
    /// <summary>Recomputes the summary of each given customer from its days.</summary>
    public static async Task RecomputeIdsAsync(NpgsqlConnection connection, long[] ids, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(RecomputeForIds, connection);
        command.Parameters.Add(IdsParameter(ids));
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>
    /// Locks the summaries of <paramref name="ids"/> in id order, as every writer of a customer
    /// does before it changes what their contribution to the rollups depends on. Read what the
    /// writer takes back in a later statement: one that waited for a lock sees the other tables
    /// as they were when it began.
    /// </summary>
    public static Task LockAsync(NpgsqlConnection connection, long[] ids, CancellationToken ct) =>
        connection.ExecuteAsync(
            "SELECT 1 FROM customer_summaries s JOIN unnest(@ids) AS i(customer_id) USING (customer_id) ORDER BY s.customer_id FOR UPDATE OF s", ct,
            IdsParameter(ids));

    /// <summary>An array of customer ids as the parameter <c>@ids</c>.</summary>
    public static NpgsqlParameter IdsParameter(long[] ids) => new("ids", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { Value = ids };

    // Upserted in place, not deleted and inserted: a writer waiting for a summary's lock then
    // finds the row again when the lock is released (RollupWriter).
    private static readonly string RecomputeForIds = RecomputeSql.Replace("{customers}", "unnest(@ids) AS ids(id)", StringComparison.Ordinal);

    private const string RecomputeSql = InsertSql + UpsertSql;

    private const string InsertSql = """
        INSERT INTO customer_summaries AS s (customer_id, purchase_count, purchase_days, gross_revenue, refunds,
                                             net_revenue, known_cost, first_purchase_at, last_purchase_at,
                                             first_purchase_day, last_purchase_day, repeat_days_value)
        SELECT ids.id,
               coalesce(sum(d.purchase_count), 0)::int,
               count(d.day) FILTER (WHERE d.purchase_count > 0)::int,
               coalesce(sum(d.gross_revenue), 0),
               coalesce(sum(d.refunds), 0),
               coalesce(sum(d.gross_revenue), 0) - coalesce(sum(d.refunds), 0),
               CASE WHEN sum(d.cost_count) > 0 THEN sum(d.cost) END,
               min(d.first_purchase_at),
               max(d.last_purchase_at),
               min(d.day) FILTER (WHERE d.purchase_count > 0),
               max(d.day) FILTER (WHERE d.purchase_count > 0),
               coalesce(sum(d.gross_revenue - d.refunds) FILTER (WHERE d.purchase_count > 0)
                   - (array_agg(d.gross_revenue - d.refunds ORDER BY d.day) FILTER (WHERE d.purchase_count > 0))[1], 0)
        FROM {customers}
        LEFT JOIN customer_days d ON d.customer_id = ids.id
        GROUP BY ids.id
        ORDER BY ids.id
        """;

    private const string UpsertSql = """

        ON CONFLICT (customer_id) DO UPDATE SET
            purchase_count = excluded.purchase_count,
            purchase_days = excluded.purchase_days,
            gross_revenue = excluded.gross_revenue,
            refunds = excluded.refunds,
            net_revenue = excluded.net_revenue,
            known_cost = excluded.known_cost,
            first_purchase_at = excluded.first_purchase_at,
            last_purchase_at = excluded.last_purchase_at,
            first_purchase_day = excluded.first_purchase_day,
            last_purchase_day = excluded.last_purchase_day,
            repeat_days_value = excluded.repeat_days_value
        """;
}
