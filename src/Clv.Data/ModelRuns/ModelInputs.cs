using System.Runtime.CompilerServices;
using Clv.Data.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Clv.Data.ModelRuns;

/// <summary>What the models need of one customer: their purchase days up to the window's end.</summary>
/// <param name="CustomerId">The customer.</param>
/// <param name="FirstPurchaseDay">First purchase day (reporting time zone).</param>
/// <param name="LastPurchaseDay">Latest purchase day up to the end.</param>
/// <param name="PurchaseDays">Distinct purchase days up to the end.</param>
/// <param name="RepeatDaysValue">Σ net value of the purchase days after the first.</param>
/// <param name="NetRevenue">Net revenue up to the end.</param>
/// <param name="KnownCost">Known cost up to the end, or null.</param>
public readonly record struct ModelInput(
    long CustomerId,
    DateOnly FirstPurchaseDay,
    DateOnly LastPurchaseDay,
    int PurchaseDays,
    decimal RepeatDaysValue,
    decimal NetRevenue,
    decimal? KnownCost);

/// <summary>Reads the model inputs of every customer with a purchase, set-based.</summary>
public static class ModelInputQueries
{
    /// <summary>
    /// Streams each customer's inputs over the purchase days up to <paramref name="end"/> inclusive.
    /// With no end the summary kept current at ingest is read as it is (the fast path).
    /// </summary>
    public static async IAsyncEnumerable<ModelInput> ModelInputsAsync(
        this ClvDbContext db, DateOnly? end, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        var sql = end is null
            ? """
              SELECT customer_id, first_purchase_day, last_purchase_day, purchase_days, repeat_days_value, net_revenue, known_cost
              FROM customer_summaries WHERE purchase_days > 0
              """
            : """
              SELECT customer_id,
                     min(day) FILTER (WHERE purchase_count > 0),
                     max(day) FILTER (WHERE purchase_count > 0),
                     count(*) FILTER (WHERE purchase_count > 0)::int,
                     coalesce(sum(gross_revenue - refunds) FILTER (WHERE purchase_count > 0)
                         - (array_agg(gross_revenue - refunds ORDER BY day) FILTER (WHERE purchase_count > 0))[1], 0),
                     sum(gross_revenue - refunds),
                     CASE WHEN sum(cost_count) > 0 THEN sum(cost) END
              FROM customer_days
              WHERE day <= @end
              GROUP BY customer_id
              HAVING count(*) FILTER (WHERE purchase_count > 0) > 0
              """;
        await db.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            await using var command = new NpgsqlCommand(sql, (NpgsqlConnection)db.Database.GetDbConnection());
            if (end is { } e)
            {
                command.Parameters.Add(new NpgsqlParameter("end", e));
            }

            await using var reader = await command.ExecuteReaderAsync(System.Data.CommandBehavior.SequentialAccess, cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                yield return new ModelInput(
                    reader.GetInt64(0),
                    reader.GetFieldValue<DateOnly>(1),
                    reader.GetFieldValue<DateOnly>(2),
                    reader.GetInt32(3),
                    reader.GetDecimal(4),
                    reader.GetDecimal(5),
                    reader.IsDBNull(6) ? null : reader.GetDecimal(6));
            }
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
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
