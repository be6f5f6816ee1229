using Clv.Analytics.ModelRuns;
using Clv.Data.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Clv.Data.ModelRuns;

/// <summary>Reads the model inputs of every customer with a purchase, set-based.</summary>
public static class ModelInputQueries
{
    /// <summary>
    /// Each customer's inputs over the purchase days up to <paramref name="end"/> inclusive. With
    /// <paramref name="fromSummary"/> the summary kept current at ingest is read as it is (the fast
    /// path; a purchase after the end then shows as AgeDays &lt; RecencyDays); otherwise the day
    /// rollup is aggregated up to the end. Read synchronously: it runs in a background job, and a
    /// million rows read several times faster without an async step per row.
    /// </summary>
    public static IEnumerable<ModelInput> ModelInputs(this ClvDbContext db, DateOnly end, bool fromSummary)
    {
        ArgumentNullException.ThrowIfNull(db);
        var perCustomer = fromSummary
            ? """
              SELECT customer_id, first_purchase_day AS first_day, last_purchase_day AS last_day, purchase_days,
                     repeat_days_value, net_revenue, known_cost
              FROM customer_summaries WHERE purchase_days > 0
              """
            : """
              SELECT customer_id,
                     min(day) FILTER (WHERE purchase_count > 0) AS first_day,
                     max(day) FILTER (WHERE purchase_count > 0) AS last_day,
                     count(*) FILTER (WHERE purchase_count > 0)::int AS purchase_days,
                     coalesce(sum(gross_revenue - refunds) FILTER (WHERE purchase_count > 0)
                         - (array_agg(gross_revenue - refunds ORDER BY day) FILTER (WHERE purchase_count > 0))[1], 0) AS repeat_days_value,
                     sum(gross_revenue - refunds) AS net_revenue,
                     CASE WHEN sum(cost_count) > 0 THEN sum(cost) END AS known_cost
              FROM customer_days
              WHERE day <= @end
              GROUP BY customer_id
              HAVING count(*) FILTER (WHERE purchase_count > 0) > 0
              """;
        var sql = $"""
            SELECT customer_id, purchase_days, last_day - first_day, @end - first_day,
                   CASE WHEN purchase_days > 1 THEN (repeat_days_value / (purchase_days - 1))::float8 ELSE 0 END,
                   CASE WHEN known_cost IS NOT NULL AND net_revenue > 0 THEN ((net_revenue - known_cost) / net_revenue)::float8 ELSE 'NaN'::float8 END
            FROM ({perCustomer}) c
            """;
        db.Database.OpenConnection();
        try
        {
            using var command = new NpgsqlCommand(sql, (NpgsqlConnection)db.Database.GetDbConnection());
            command.Parameters.Add(new NpgsqlParameter("end", end));
            using var reader = command.ExecuteReader(System.Data.CommandBehavior.SequentialAccess);
            while (reader.Read())
            {
                yield return new ModelInput(reader.GetInt64(0), reader.GetInt32(1), reader.GetInt32(2), reader.GetInt32(3), reader.GetDouble(4), reader.GetDouble(5));
            }
        }
        finally
        {
            db.Database.CloseConnection();
        }
    }

    /// <summary>Purchase days per customer in (<paramref name="after"/>, <paramref name="through"/>]: the holdout actuals.</summary>
    public static Task<Dictionary<long, int>> PurchaseDaysBetweenAsync(this ClvDbContext db, DateOnly after, DateOnly through, CancellationToken cancellationToken) =>
        db.InTransactionAsync(async (connection, ct) =>
        {
            await using var command = new NpgsqlCommand("""
                SELECT customer_id, count(*)::int FROM customer_days
                WHERE day > @after AND day <= @through AND purchase_count > 0
                GROUP BY customer_id
                """, connection);
            command.Parameters.Add(new NpgsqlParameter("after", after));
            command.Parameters.Add(new NpgsqlParameter("through", through));
            var counts = new Dictionary<long, int>();
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                counts[reader.GetInt64(0)] = reader.GetInt32(1);
            }

            return counts;
        }, cancellationToken);
}
