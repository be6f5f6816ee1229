using Clv.Data.Infrastructure;
using Npgsql;

namespace Clv.Data.Metrics;

/// <summary>The portfolio's historical CLV figures.</summary>
/// <param name="Customers">Customers acquired by the as-of date (all, without one).</param>
/// <param name="RepeatCustomers">Of those, customers with at least two purchase days.</param>
/// <param name="NetRevenue">Their net revenue, which is the customer equity of historical CLV.</param>
/// <param name="AverageHistoricalClv">Mean historical CLV per customer, customers without purchases counting 0.</param>
/// <param name="MedianHistoricalClv">Median historical CLV, exact: the mean of the two middle values for an even count.</param>
public sealed record PortfolioTotals(long Customers, long RepeatCustomers, decimal NetRevenue, decimal AverageHistoricalClv, decimal MedianHistoricalClv);

/// <summary>Set-based queries over every customer.</summary>
public static class PortfolioQueries
{
    /// <summary>
    /// The portfolio as it stood at the end of <paramref name="asOfDay"/> in the reporting time
    /// zone, or as it stands now when it is null.
    /// </summary>
    public static Task<PortfolioTotals> PortfolioTotalsAsync(this ClvDbContext db, DateOnly? asOfDay, DateTimeOffset? asOfEnd, CancellationToken cancellationToken) =>
        db.InTransactionAsync(async (connection, ct) =>
        {
            var perCustomer = asOfDay is null
                ? "SELECT net_revenue AS clv, purchase_days FROM customer_summaries"
                : """
                  SELECT coalesce(sum(d.gross_revenue - d.refunds), 0) AS clv,
                         count(d.day) FILTER (WHERE d.purchase_count > 0) AS purchase_days
                  FROM customers c
                  LEFT JOIN customer_days d ON d.customer_id = c.id AND d.day <= @day
                  WHERE c.acquired_at IS NULL OR c.acquired_at < @end
                  GROUP BY c.id
                  """;
            await using var command = new NpgsqlCommand($"""
                WITH per_customer AS ({perCustomer})
                SELECT count(*),
                       count(*) FILTER (WHERE purchase_days >= 2),
                       coalesce(sum(clv), 0),
                       coalesce(avg(clv), 0),
                       coalesce((percentile_disc(0.5) WITHIN GROUP (ORDER BY clv)
                               + percentile_disc(0.5) WITHIN GROUP (ORDER BY clv DESC)) / 2, 0)
                FROM per_customer
                """, connection);
            command.Parameters.Add(new NpgsqlParameter("day", NpgsqlTypes.NpgsqlDbType.Date) { Value = (object?)asOfDay ?? DBNull.Value });
            command.Parameters.Add(new NpgsqlParameter("end", NpgsqlTypes.NpgsqlDbType.TimestampTz) { Value = (object?)asOfEnd ?? DBNull.Value });
            await using var reader = await command.ExecuteReaderAsync(ct);
            await reader.ReadAsync(ct);
            return new PortfolioTotals(reader.GetInt64(0), reader.GetInt64(1), reader.GetDecimal(2), reader.GetDecimal(3), reader.GetDecimal(4));
        }, cancellationToken);
}
