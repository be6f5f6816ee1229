using Clv.Analytics.Cohorts;
using Clv.Analytics.Portfolio;
using Clv.Data.Rollups;
using Npgsql;

namespace Clv.Data.Analytics.ReadModel;

/// <summary>
/// Reads of the group rollup (<see cref="PeriodRollups"/>): a few thousand cells instead of every
/// customer's days, for the questions of the current state that it can answer whole.
/// </summary>
public static class PeriodRollupCells
{
    /// <summary>
    /// Whether the rollup answers: it holds every customer (it does not while it is being
    /// built); for the current state (<paramref name="today"/>, null for a past day's), it holds
    /// no day after today (the API accepts timestamps up to a day ahead; the days then answer, as
    /// they leave such days out, until today catches up with them: every day is in the month
    /// cells, so those tell); and, for a question about churn, it counts the spells of
    /// <paramref name="churnWindow"/>.
    /// </summary>
    public static async Task<bool> AnswersAsync(NpgsqlConnection connection, DateOnly? today, int? churnWindow, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand($"""
            SELECT {HoldsEveryCustomerSql}
               AND (@window IS NULL OR (SELECT period_rollups_window FROM rollup_state WHERE id = 1) = @window)
               AND (@today IS NULL OR coalesce((SELECT max(max_day) FROM period_rollups WHERE period_kind = {PeriodRollups.Month} AND period >= @current) <= @today, true))
            """, connection);
        command.Parameters.Add(new NpgsqlParameter<int?>("window", churnWindow));
        command.Parameters.Add(new NpgsqlParameter<DateOnly?>("current", today is { } day ? CalendarPeriods.Start(day, CalendarPeriod.Month) : null));
        command.Parameters.Add(new NpgsqlParameter<DateOnly?>("today", today));
        return await command.ExecuteScalarAsync(ct) is true;
    }

    /// <summary>SQL that is true when the rollup holds every customer: built for a churn window, and not being built again.</summary>
    internal const string HoldsEveryCustomerSql =
        "coalesce((SELECT period_rollups_through IS NULL AND period_rollups_window IS NOT NULL FROM rollup_state WHERE id = 1), false)";

    /// <summary>Whether the rollup can answer a time series grouped by <paramref name="by"/>.</summary>
    public static bool ServesSeries(string by) => by is "all" or "acquisitionChannel";

    /// <summary>
    /// Whether the cells hold the state as of <paramref name="day"/> for questions per
    /// <paramref name="period"/>: when it is the last day of one, every cell up to it is whole.
    /// </summary>
    public static bool EndsPeriod(DateOnly day, CalendarPeriod period) => CalendarPeriods.Start(day.AddDays(1), period) == day.AddDays(1);

    /// <summary>Whether a time series of <paramref name="metric"/> counts churn (and needs the rollup's window to be its own).</summary>
    public static bool IsChurn(TimeSeriesMetric metric) => metric is TimeSeriesMetric.ChurnRate or TimeSeriesMetric.ChurnedCustomers;

    /// <summary>
    /// A time series' groups and sums per period, as <see cref="TimeSeriesQueries"/> counts them
    /// from the days: per group (everyone, or each channel) the channels with their first
    /// customer's id and whether one is acquired by <paramref name="lastDay"/> (or without an
    /// acquisition date), and the numerator and denominator of <paramref name="metric"/> per period
    /// from <paramref name="first"/> to before <paramref name="end"/>. For the current state,
    /// <paramref name="lastDay"/> is today; for a past day's, the last day of a period
    /// (<see cref="EndsPeriod"/>), or any day with <paramref name="cells"/> of that day: then only
    /// the customers acquired by then count, and the churns by then.
    /// </summary>
    internal static async Task<(Dictionary<string, long?> FirstSeen, HashSet<string> Present, List<(string Key, DateOnly Period, decimal Numerator, decimal Denominator)> Sums)> SeriesAsync(
        NpgsqlConnection connection, bool byChannel, TimeSeriesMetric metric, CalendarPeriod period, DateOnly first, DateOnly end, DateOnly lastDay, bool current, RollupCells cells, CancellationToken ct)
    {
        var firstSeen = new Dictionary<string, long?>(StringComparer.Ordinal);
        var present = new HashSet<string>(StringComparer.Ordinal);
        var sums = new List<(string, DateOnly, decimal, decimal)>();
        await using var command = new NpgsqlCommand($"""
            SELECT {(byChannel ? "channel" : "'all'")}, period, sum(members), sum(active), sum(retained), sum(purchases), sum(gross_revenue), sum(refunds),
                   sum(at_risk), coalesce(sum(churned) FILTER (WHERE churn_day <= @last_day), 0)
            FROM {cells.Sql}
            WHERE period_kind = @kind AND period >= @first AND period < @end AND (cohort IS NULL OR cohort <= @acquired_by)
            GROUP BY 1, 2
            HAVING {PeriodRollups.NonZero};
            -- The channels with a customer, each with its first customer's id (an index lookup
            -- each), and whether one counts: channels and ids are of every customer now, as the
            -- days give them.
            SELECT p.channel, least(
                (SELECT min(c.id) FROM customers c WHERE c.acquisition_channel = p.channel),
                CASE WHEN p.channel = '{AnalyticsScope.Unattributed}' THEN (SELECT min(c.id) FROM customers c WHERE c.acquisition_channel IS NULL) END),
                {(cells.IsPastDay ? "coalesce(q.present, false)" : "p.present")}
            FROM (
                SELECT channel, {Present} AS present
                FROM period_rollups WHERE period_kind = {PeriodRollups.Month}
                GROUP BY channel HAVING sum(members) > 0
            ) p
            {(cells.IsPastDay ? $"LEFT JOIN (SELECT channel, {Present} AS present FROM {cells.Sql} WHERE period_kind = {PeriodRollups.Month} GROUP BY channel) q ON q.channel = p.channel" : "")}
            """, connection);
        cells.AddParameters(command);
        command.Parameters.Add(new NpgsqlParameter("kind", PeriodRollups.KindOf(period)));
        command.Parameters.Add(new NpgsqlParameter("first", first));
        command.Parameters.Add(new NpgsqlParameter("end", end));
        command.Parameters.Add(new NpgsqlParameter("last_day", lastDay));
        // The current state counts every customer; a past day's those acquired by then.
        command.Parameters.Add(new NpgsqlParameter("acquired_by", current ? DateOnly.MaxValue : lastDay));
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var (key, start) = (reader.GetString(0), reader.GetFieldValue<DateOnly>(1));
            var (members, active, retained) = (reader.GetDecimal(2), reader.GetDecimal(3), reader.GetDecimal(4));
            var (purchases, gross, refunds) = (reader.GetDecimal(5), reader.GetDecimal(6), reader.GetDecimal(7));
            (gross, refunds) = (Money(gross, purchases, refunds), Money(refunds, purchases, refunds));
            var (atRisk, churned) = (reader.GetDecimal(8), reader.GetDecimal(9));
            switch (metric)
            {
                case TimeSeriesMetric.ActiveCustomers:
                    sums.Add((key, start, active, 0));
                    break;
                case TimeSeriesMetric.NewCustomers:
                    sums.Add((key, start, members, 0));
                    break;
                case TimeSeriesMetric.Cac:
                    sums.Add((key, start, 0, members));
                    break;
                case TimeSeriesMetric.NetRevenue:
                    sums.Add((key, start, gross - refunds, 0));
                    break;
                case TimeSeriesMetric.AverageOrderValue:
                    sums.Add((key, start, gross, purchases));
                    break;
                case TimeSeriesMetric.ChurnRate or TimeSeriesMetric.ChurnedCustomers:
                    // Churned in k of those alive on its eve; a churn counts from its day on.
                    sums.Add((key, start, churned, atRisk));
                    break;
                case TimeSeriesMetric.RetentionRate:
                    // Retained in k over active in k − 1.
                    sums.Add((key, start, retained, 0));
                    sums.Add((key, CalendarPeriods.Add(start, 1, period), 0, active));
                    break;
            }
        }

        await reader.NextResultAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            if (byChannel)
            {
                firstSeen[reader.GetString(0)] = reader.IsDBNull(1) ? null : reader.GetInt64(1);
                if (reader.GetBoolean(2))
                {
                    present.Add(reader.GetString(0));
                }
            }
        }

        return (firstSeen, present, sums);
    }

    // Whether a channel's month cells count a customer acquired by @acquired_by (or without an acquisition date).
    private const string Present = "coalesce(sum(members) FILTER (WHERE cohort IS NULL OR cohort <= @acquired_by), 0) > 0";

    /// <summary>
    /// A money sum of a cell, as the days would give it: a cell without purchases and refunds has
    /// no day, and its money is none (0), whatever the scale of the sums that cancelled out in it
    /// (a customer moved to another cell, or erased, leaves 0.0000 behind).
    /// </summary>
    internal static decimal Money(decimal sum, decimal purchases, decimal refunds) => purchases == 0 && refunds == 0 ? 0m : sum;
}
