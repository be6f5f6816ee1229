using Npgsql;
using NpgsqlTypes;

namespace Clv.Data.Ingestion;

/// <summary>Keeps <c>customer_summaries</c> equal to the sums of each customer's day rollup.</summary>
internal static class CustomerSummaries
{
    /// <summary>Recomputes the summary of each given customer from its days.</summary>
    public static async Task RecomputeAsync(NpgsqlConnection connection, IReadOnlyCollection<long> customerIds, CancellationToken ct)
    {
        if (customerIds.Count == 0)
        {
            return;
        }

        await using var command = new NpgsqlCommand(RecomputeSql, connection);
        command.Parameters.Add(new NpgsqlParameter("ids", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { Value = customerIds.Order().ToArray() });
        await command.ExecuteNonQueryAsync(ct);
    }

    private const string RecomputeSql = """
        UPDATE customer_summaries s SET
            purchase_count = a.purchase_count,
            purchase_days = a.purchase_days,
            gross_revenue = a.gross_revenue,
            refunds = a.refunds,
            net_revenue = a.gross_revenue - a.refunds,
            known_cost = a.known_cost,
            first_purchase_at = a.first_purchase_at,
            last_purchase_at = a.last_purchase_at
        FROM (
            SELECT customer_id,
                   sum(purchase_count)::int AS purchase_count,
                   count(*) FILTER (WHERE purchase_count > 0)::int AS purchase_days,
                   sum(gross_revenue) AS gross_revenue,
                   sum(refunds) AS refunds,
                   CASE WHEN sum(cost_count) > 0 THEN sum(cost) END AS known_cost,
                   min(first_purchase_at) AS first_purchase_at,
                   max(last_purchase_at) AS last_purchase_at
            FROM customer_days
            WHERE customer_id = ANY(@ids)
            GROUP BY customer_id) a
        WHERE s.customer_id = a.customer_id
        """;
}
