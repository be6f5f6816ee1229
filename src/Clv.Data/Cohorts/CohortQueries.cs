using Clv.Analytics.Cohorts;
using Clv.Data.Infrastructure;
using Npgsql;

namespace Clv.Data.Cohorts;

/// <summary>What the cohort matrix is built from, counted in the database.</summary>
public sealed record CohortCounts(
    Dictionary<DateOnly, int> Sizes,
    List<CohortActivity> Activity,
    List<CohortLastPurchase> LastPurchases);

/// <summary>Set-based cohort counts over the day rollup.</summary>
public static class CohortQueries
{
    /// <summary>
    /// Counts cohorts by the period of <c>acquired_at</c> (reporting time zone) between
    /// <paramref name="from"/> and <paramref name="to"/>, with their activity up to <paramref name="asOf"/>.
    /// </summary>
    public static Task<CohortCounts> CohortCountsAsync(
        this ClvDbContext db, CalendarPeriod period, DateOnly from, DateOnly to, DateOnly asOf, string? channel, string timeZone, CancellationToken cancellationToken) =>
        db.InTransactionAsync(async (connection, ct) =>
        {
            var unit = period == CalendarPeriod.Quarter ? "quarter" : "month";
            await using var command = new NpgsqlCommand($"""
                WITH cohort_customers AS MATERIALIZED (
                    SELECT c.id, date_trunc('{unit}', (c.acquired_at AT TIME ZONE @tz))::date AS cohort
                    FROM customers c
                    WHERE c.acquired_at IS NOT NULL
                      AND (c.acquired_at AT TIME ZONE @tz)::date BETWEEN @from AND @to
                      AND (c.acquired_at AT TIME ZONE @tz)::date <= @as_of
                      AND (@channel::text IS NULL OR c.acquisition_channel = @channel)),
                customer_periods AS MATERIALIZED (
                    SELECT cc.cohort, cc.id, date_trunc('{unit}', d.day)::date AS period,
                           bool_or(d.purchase_count > 0) AS purchased,
                           sum(d.gross_revenue - d.refunds) AS net
                    FROM cohort_customers cc
                    JOIN customer_days d ON d.customer_id = cc.id AND d.day <= @as_of
                    GROUP BY cc.cohort, cc.id, 3)
                SELECT 0, cohort, NULL::date, count(*)::int, 0::numeric FROM cohort_customers GROUP BY cohort
                UNION ALL
                SELECT 1, cohort, period, (count(*) FILTER (WHERE purchased))::int, sum(net) FROM customer_periods GROUP BY cohort, period
                UNION ALL
                SELECT 2, cohort, last_period, count(*)::int, 0::numeric
                FROM (SELECT cohort, id, max(period) FILTER (WHERE purchased) AS last_period FROM customer_periods GROUP BY cohort, id) l
                GROUP BY cohort, last_period
                """, connection);
            command.Parameters.Add(new NpgsqlParameter("tz", timeZone));
            command.Parameters.Add(new NpgsqlParameter("from", from));
            command.Parameters.Add(new NpgsqlParameter("to", to));
            command.Parameters.Add(new NpgsqlParameter("as_of", asOf));
            command.Parameters.Add(new NpgsqlParameter("channel", NpgsqlTypes.NpgsqlDbType.Text) { Value = (object?)channel ?? DBNull.Value });
            var counts = new CohortCounts([], [], []);
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                var cohort = reader.GetFieldValue<DateOnly>(1);
                DateOnly? periodStart = reader.IsDBNull(2) ? null : reader.GetFieldValue<DateOnly>(2);
                switch (reader.GetInt32(0))
                {
                    case 0:
                        counts.Sizes[cohort] = reader.GetInt32(3);
                        break;
                    case 1:
                        counts.Activity.Add(new CohortActivity(cohort, periodStart!.Value, reader.GetInt32(3), reader.GetDecimal(4)));
                        break;
                    default:
                        counts.LastPurchases.Add(new CohortLastPurchase(cohort, periodStart, reader.GetInt32(3)));
                        break;
                }
            }

            return counts;
        }, cancellationToken);
}
