using Clv.Analytics.ModelRuns;
using Clv.Analytics.Models;
using Clv.Data.Analytics.ReadModel;
using Clv.Data.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Clv.Data.ModelRuns;

/// <summary>Reads the model inputs of every customer with a purchase, set-based.</summary>
public static class ModelInputQueries
{
    /// <summary>
    /// The bounds of <paramref name="parts"/> ranges of the customer ids the summaries hold
    /// (<see cref="IdRanges.Bounds"/>), for <see cref="ModelInputs"/> read side by side.
    /// </summary>
    public static async Task<long[]> CustomerIdBoundsAsync(this ClvDbContext db, int parts, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        var (min, max) = await db.InTransactionAsync(async (connection, ct) =>
        {
            await using var command = new NpgsqlCommand("SELECT coalesce(min(customer_id), 0), coalesce(max(customer_id), 0) FROM customer_summaries", connection);
            await using var reader = await command.ExecuteReaderAsync(ct);
            await reader.ReadAsync(ct);
            return (reader.GetInt64(0), reader.GetInt64(1));
        }, cancellationToken);
        return IdRanges.Bounds(min, max, parts);
    }

    /// <summary>
    /// The inputs of the customers in a range of ids (<see cref="IdRanges"/>), over the purchase days
    /// up to <paramref name="end"/> inclusive, on a connection of their own. With
    /// <paramref name="fromSummary"/> the summary kept current at ingest is read as it is (the fast
    /// path; a purchase after the end then shows as AgeDays &lt; RecencyDays); otherwise the day
    /// rollup is aggregated up to the end. Read synchronously: it runs in a background job, and a
    /// million rows read several times faster without an async step per row.
    /// </summary>
    public static IEnumerable<ModelInput> ModelInputs(string connectionString, DateOnly end, bool fromSummary, (long? From, long? To) ids)
    {
        var inRange = IdRanges.Condition("customer_id", ids);
        var perCustomer = fromSummary
            ? $"""
              SELECT customer_id, first_purchase_day AS first_day, last_purchase_day AS last_day, purchase_days,
                     repeat_days_value, net_revenue, known_cost
              FROM customer_summaries WHERE purchase_days > 0 AND {inRange}
              """
            : $"""
              SELECT customer_id,
                     min(day) FILTER (WHERE purchase_count > 0) AS first_day,
                     max(day) FILTER (WHERE purchase_count > 0) AS last_day,
                     count(*) FILTER (WHERE purchase_count > 0)::int AS purchase_days,
                     coalesce(sum(gross_revenue - refunds) FILTER (WHERE purchase_count > 0)
                         - (array_agg(gross_revenue - refunds ORDER BY day) FILTER (WHERE purchase_count > 0))[1], 0) AS repeat_days_value,
                     sum(gross_revenue - refunds) AS net_revenue,
                     CASE WHEN sum(cost_count) > 0 THEN sum(cost) END AS known_cost
              FROM customer_days
              WHERE day <= @end AND {inRange}
              GROUP BY customer_id
              HAVING count(*) FILTER (WHERE purchase_count > 0) > 0
              """;
        var sql = $"""
            SELECT customer_id, purchase_days, last_day - first_day, @end - first_day,
                   CASE WHEN purchase_days > 1 THEN (repeat_days_value / (purchase_days - 1))::float8 ELSE 0 END,
                   CASE WHEN known_cost IS NOT NULL AND net_revenue > 0 THEN ((net_revenue - known_cost) / net_revenue)::float8 ELSE 'NaN'::float8 END
            FROM ({perCustomer}) c
            """;
        using var connection = new NpgsqlConnection(connectionString);
        connection.Open();
        using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.Add(new NpgsqlParameter("end", end));
        using var reader = command.ExecuteReader(System.Data.CommandBehavior.SequentialAccess);
        while (reader.Read())
        {
            yield return new ModelInput(reader.GetInt64(0), reader.GetInt32(1), reader.GetInt32(2), reader.GetInt32(3), reader.GetDouble(4), reader.GetDouble(5));
        }
    }

    /// <summary>
    /// Each customer's acquisition channel and country as the segments name them (<c>unattributed</c> and
    /// <c>unknown</c> for none): the groupings a run sums its intervals of customer equity by. Read on a connection of
    /// its own, so that a run can read it while it reads and fits its inputs; each distinct name is one string.
    /// </summary>
    public static async Task<Dictionary<long, (string Channel, string Country)>> SegmentKeysAsync(string connectionString, CancellationToken cancellationToken)
    {
        const string sql = $"""
            SELECT id, coalesce(acquisition_channel, '{AnalyticsScope.Unattributed}'), coalesce(country::text, '{AnalyticsScope.Unknown}')
            FROM customers
            """;
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync(System.Data.CommandBehavior.SequentialAccess, cancellationToken);
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        string Shared(string name) => names.TryAdd(name, name) ? name : names[name];
        var keys = new Dictionary<long, (string, string)>();
        while (reader.Read()) // synchronously, as ModelInputs: a million rows read several times faster than with an await per row
        {
            keys[reader.GetInt64(0)] = (Shared(reader.GetString(1)), Shared(reader.GetString(2)));
        }

        return keys;
    }

    /// <summary>
    /// Each customer's history in whole periods of <paramref name="unit"/> up to <paramref name="end"/>
    /// (<see cref="PeriodInput"/>), from the day rollup: a period with a purchase day is one
    /// transaction, and the periods after the last whole one before the end are left out.
    /// </summary>
    public static IEnumerable<PeriodInput> PeriodInputs(this ClvDbContext db, DateOnly end, TimeUnit unit)
    {
        ArgumentNullException.ThrowIfNull(db);
        var sql = $"""
            SELECT customer_id,
                   count(*) FILTER (WHERE repeat)::int,
                   coalesce(max(period) FILTER (WHERE repeat) - first_period, 0)::int,
                   greatest(@last - first_period, 0)::int,
                   coalesce((sum(value) FILTER (WHERE repeat) / count(*) FILTER (WHERE repeat))::float8, 0),
                   CASE WHEN sum(cost_count) > 0 AND sum(net) > 0 THEN ((sum(net) - sum(cost)) / sum(net))::float8 ELSE 'NaN'::float8 END
            FROM (
                SELECT *, bought AND period > first_period AND period <= @last AS repeat
                FROM (
                    SELECT *, min(period) FILTER (WHERE bought) OVER (PARTITION BY customer_id) AS first_period
                    FROM (
                        SELECT customer_id, {PeriodSql(unit)} AS period,
                               bool_or(purchase_count > 0) AS bought,
                               sum(gross_revenue - refunds) FILTER (WHERE purchase_count > 0) AS value,
                               sum(gross_revenue - refunds) AS net, sum(cost) AS cost, sum(cost_count) AS cost_count
                        FROM customer_days
                        WHERE day <= @end
                        GROUP BY 1, 2
                    ) per_period
                ) with_first
            ) marked
            WHERE first_period IS NOT NULL
            GROUP BY customer_id, first_period
            """;
        db.Database.OpenConnection();
        try
        {
            using var command = new NpgsqlCommand(sql, (NpgsqlConnection)db.Database.GetDbConnection());
            command.Parameters.Add(new NpgsqlParameter("end", end));
            command.Parameters.Add(new NpgsqlParameter("last", Opportunities.LastWhole(end, unit)));
            using var reader = command.ExecuteReader(System.Data.CommandBehavior.SequentialAccess);
            while (reader.Read())
            {
                yield return new PeriodInput(reader.GetInt64(0), reader.GetInt32(1), reader.GetInt32(2), reader.GetInt32(3), reader.GetDouble(4), reader.GetDouble(5));
            }
        }
        finally
        {
            db.Database.CloseConnection();
        }
    }

    /// <summary>
    /// The holdout actuals: purchases per customer in (<paramref name="after"/>, <paramref name="through"/>],
    /// counted as purchase days, or with <paramref name="periods"/> as periods with a purchase day.
    /// </summary>
    public static Task<Dictionary<long, int>> PurchasesBetweenAsync(this ClvDbContext db, DateOnly after, DateOnly through, TimeUnit? periods, CancellationToken cancellationToken) =>
        db.InTransactionAsync(async (connection, ct) =>
        {
            var count = periods is { } unit ? $"count(DISTINCT {PeriodSql(unit)})" : "count(*)";
            await using var command = new NpgsqlCommand($"""
                SELECT customer_id, {count}::int FROM customer_days
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

    // Opportunities.Period as SQL over the date column day: 0001-01-01 is day 0 in both.
    private static string PeriodSql(TimeUnit unit) => unit switch
    {
        TimeUnit.Days => "(day - date '0001-01-01')",
        TimeUnit.Weeks => "((day - date '0001-01-01') / 7)",
        TimeUnit.Months => "(extract(year from day)::int * 12 + extract(month from day)::int - 1)",
        TimeUnit.Years => "extract(year from day)::int",
        _ => throw new ArgumentOutOfRangeException(nameof(unit), unit, "Unknown time unit."),
    };
}
