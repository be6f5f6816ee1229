using Clv.Analytics.Cohorts;
using Clv.Data.Rollups;
using Npgsql;

namespace Clv.Data.Analytics.ReadModel;

/// <summary>
/// The cohort matrix of a scope, counted set-based in PostgreSQL: cohort sizes, active customers
/// and net revenue per cohort and period, and customers per period of their last purchase, each
/// aggregated per customer and then per cohort. Only the matrix is built in memory, from those
/// counts, as <see cref="CohortMatrix.Build"/> does for the in-memory report.
/// </summary>
public static class CohortQueries
{
    private const int SizeRow = 0;
    private const int ActivityRow = 1;
    private const int LastPurchaseRow = 2;

    /// <summary>
    /// Cohorts by the period of acquisition between <paramref name="from"/> and
    /// <paramref name="to"/>, with their activity up to the scope's last day (the earlier of its
    /// cutoff and reference day), whose period is the last column.
    /// </summary>
    /// <param name="connection">An open connection.</param>
    /// <param name="scope">The customers counted and the day activity is counted to.</param>
    /// <param name="period">Months, quarters or years.</param>
    /// <param name="from">First acquisition day.</param>
    /// <param name="to">Last acquisition day.</param>
    /// <param name="channel">Only this acquisition channel (<c>unattributed</c> for none), or all.</param>
    /// <param name="onOrAfter">Count a customer as retained in k when they purchased in k or later.</param>
    /// <param name="ct">Cancels the query.</param>
    public static async Task<List<CohortRow>> ComputeAsync(
        NpgsqlConnection connection, AnalyticsScope scope, CalendarPeriod period, DateOnly from, DateOnly to, string? channel, bool onOrAfter, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(scope);
        if (channel is not null && channel.Contains('\0', StringComparison.Ordinal))
        {
            // No stored channel holds a NUL (PostgreSQL text cannot), so the filter matches nobody.
            return [];
        }

        var lastDay = scope.Cutoff is { } cutoff && cutoff < scope.Reference ? cutoff : scope.Reference;
        // As of a past day, the cells answer when it ends a period (the last purchases they hold
        // are the latest: those since the day are taken back, LastPurchasesSinceAsync).
        // Any other past day too, corrected to the book as it stood then, when few customers changed since.
        var cellsAnswer = scope.Cutoff is null || PeriodRollupCells.EndsPeriod(lastDay, period);
        var whole = WholePeriods(from, to, lastDay, period);
        var cells = whole && !cellsAnswer ? await RollupCells.PastDayAsync(connection, scope, null, ct) : null;
        if (cells is not null
            || whole && cellsAnswer && await PeriodRollupCells.AnswersAsync(connection, scope.Cutoff is null ? lastDay : null, null, ct))
        {
            return await FromRollupAsync(connection, scope, period, from, to < lastDay ? to : lastDay, channel, lastDay, onOrAfter, cells ?? RollupCells.Current, ct);
        }

        await using var command = new NpgsqlCommand { Connection = connection };
        command.CommandText = scope.With(GroupSpec.All, command) + Sql(period, channel is not null);
        command.Parameters.Add(new NpgsqlParameter("from", from));
        command.Parameters.Add(new NpgsqlParameter("to", to));
        command.Parameters.Add(new NpgsqlParameter("last_day", lastDay));
        if (channel is not null)
        {
            command.Parameters.Add(new NpgsqlParameter("channel", channel));
        }

        var sizes = new Dictionary<DateOnly, int>();
        var activity = new List<CohortActivity>();
        var lastPurchases = new List<CohortLastPurchase>();
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                var cohort = reader.GetFieldValue<DateOnly>(1);
                switch (reader.GetInt32(0))
                {
                    case SizeRow:
                        sizes[cohort] = reader.GetInt32(3);
                        break;
                    case ActivityRow:
                        activity.Add(new CohortActivity(cohort, reader.GetFieldValue<DateOnly>(2), reader.GetInt32(3), reader.GetDecimal(4)));
                        break;
                    default:
                        lastPurchases.Add(new CohortLastPurchase(cohort, reader.GetFieldValue<DateOnly>(2), reader.GetInt32(3)));
                        break;
                }
            }
        }

        return CohortMatrix.Build(sizes, activity, lastPurchases, lastDay, period, onOrAfter);
    }

    // The group rollup holds whole cohort periods: it answers when the range starts at the
    // beginning of one (or of time) and ends at the end of one, or at the last day or after it.
    private static bool WholePeriods(DateOnly from, DateOnly to, DateOnly lastDay, CalendarPeriod period) =>
        (from == DateOnly.MinValue || from == CalendarPeriods.Start(from, period))
        && (to >= lastDay || to == CalendarPeriods.Add(CalendarPeriods.Start(to, period), 1, period).AddDays(-1));

    // The same counts, from the cells of the cohorts from the one holding `from` to the one holding `to`.
    private static async Task<List<CohortRow>> FromRollupAsync(
        NpgsqlConnection connection, AnalyticsScope scope, CalendarPeriod period, DateOnly from, DateOnly to, string? channel, DateOnly lastDay, bool onOrAfter, RollupCells cells, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand($"""
            SELECT cohort, period, sum(members)::int, sum(active)::int, sum(gross_revenue - refunds), sum(last_purchases)::int, sum(purchases), sum(refunds)
            FROM {cells.Sql}
            WHERE period_kind = @kind AND cohort BETWEEN @first AND @last {(channel is null ? "" : "AND channel = @channel")}
            GROUP BY cohort, period
            HAVING {PeriodRollups.NonZero}
            """, connection);
        cells.AddParameters(command);
        command.Parameters.Add(new NpgsqlParameter("kind", PeriodRollups.KindOf(period)));
        command.Parameters.Add(new NpgsqlParameter("first", CalendarPeriods.Start(from, period)));
        command.Parameters.Add(new NpgsqlParameter("last", CalendarPeriods.Start(to, period)));
        if (channel is not null)
        {
            command.Parameters.Add(new NpgsqlParameter("channel", channel));
        }

        var sizes = new Dictionary<DateOnly, int>();
        var activity = new List<CohortActivity>();
        var lastPurchases = new List<CohortLastPurchase>();
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                var (cohort, cell) = (reader.GetFieldValue<DateOnly>(0), reader.GetFieldValue<DateOnly>(1));
                if (reader.GetInt32(2) is var members and not 0)
                {
                    sizes[cohort] = sizes.GetValueOrDefault(cohort) + members;
                }

                var net = PeriodRollupCells.Money(reader.GetDecimal(4), reader.GetDecimal(6), reader.GetDecimal(7));
                activity.Add(new CohortActivity(cohort, cell, reader.GetInt32(3), net));
                if (reader.GetInt32(5) is var last and not 0)
                {
                    lastPurchases.Add(new CohortLastPurchase(cohort, cell, last));
                }
            }
        }

        // A past day's cells hold the last purchases by then already.
        if (onOrAfter && scope.Cutoff is not null && !cells.IsPastDay)
        {
            await LastPurchasesSinceAsync(connection, lastDay, scope.TimeZone, period, from, to, channel, lastPurchases, ct);
        }

        return CohortMatrix.Build(sizes, activity, lastPurchases, lastDay, period, onOrAfter);
    }

    // The cells count each customer's last purchase as it is now. As of a past day that ends a
    // period, a customer of the cohorts who bought after it (their summary says so: a handful
    // when the day is recent) is taken out of the period of their latest purchase and counted in
    // that of their last purchase by the day, if any. CohortMatrix.Build adds the counts, so the
    // two corrections are entries of their own, -n and +n.
    private static async Task LastPurchasesSinceAsync(
        NpgsqlConnection connection, DateOnly lastDay, string zone, CalendarPeriod period, DateOnly from, DateOnly to, string? channel, List<CohortLastPurchase> lastPurchases, CancellationToken ct)
    {
        const string Acquired = AnalyticsScope.AcquiredDaySql;
        var cohortSql = GroupSpec.PeriodStartSql(Acquired, period);
        await using var command = new NpgsqlCommand($"""
            SELECT {cohortSql}, {GroupSpec.PeriodStartSql("s.last_purchase_day", period)}, {GroupSpec.PeriodStartSql("b.day", period)}, count(*)::int
            FROM customer_summaries s
            JOIN customers c ON c.id = s.customer_id
            CROSS JOIN LATERAL (
                SELECT max(d.day) AS day FROM customer_days d
                WHERE d.customer_id = s.customer_id AND d.day <= @last_day AND d.purchase_count > 0
            ) b
            WHERE s.last_purchase_day > @last_day AND {cohortSql} BETWEEN @first AND @last
                  {(channel is null ? "" : $"AND coalesce(c.acquisition_channel, '{AnalyticsScope.Unattributed}') = @channel")}
            GROUP BY 1, 2, 3
            """, connection);
        command.Parameters.Add(new NpgsqlParameter("zone", zone));
        command.Parameters.Add(new NpgsqlParameter("last_day", lastDay));
        command.Parameters.Add(new NpgsqlParameter("first", CalendarPeriods.Start(from, period)));
        command.Parameters.Add(new NpgsqlParameter("last", CalendarPeriods.Start(to, period)));
        if (channel is not null)
        {
            command.Parameters.Add(new NpgsqlParameter("channel", channel));
        }

        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var (cohort, customers) = (reader.GetFieldValue<DateOnly>(0), reader.GetInt32(3));
            lastPurchases.Add(new CohortLastPurchase(cohort, reader.GetFieldValue<DateOnly>(1), -customers));
            if (!reader.IsDBNull(2))
            {
                lastPurchases.Add(new CohortLastPurchase(cohort, reader.GetFieldValue<DateOnly>(2), customers));
            }
        }
    }

    // The in-memory report numbers periods from the portfolio's first day, which only sizes its
    // arrays: every acquisition and every day falls on or after it, so no count depends on it.
    // Members: the scope's customers acquired in [from, to] and by the last day. Their days up to
    // the last day are summed per customer and period first, then per cohort. Activity before a
    // customer's cohort period is no column, and a last purchase before it counts in none.
    private static string Sql(CalendarPeriod period, bool byChannel) => $"""
        , members AS (
            SELECT g.customer_id, {GroupSpec.PeriodStartSql("g.acquired_day", period)} AS cohort
            FROM grouped g
            WHERE g.acquired_day BETWEEN @from AND @to AND g.acquired_day <= @last_day
              {(byChannel ? "AND g.acquisition_channel = @channel" : "")}
        ),
        customer_periods AS (
            SELECT m.customer_id, m.cohort, {GroupSpec.PeriodStartSql("d.day", period)} AS period,
                   bool_or(d.purchase_count > 0) AS active, sum(d.gross_revenue - d.refunds) AS net_revenue
            FROM members m
            JOIN customer_days d ON d.customer_id = m.customer_id
            WHERE d.day <= @last_day
            GROUP BY m.customer_id, m.cohort, 3
        ),
        last_purchases AS (
            SELECT cohort, max(period) FILTER (WHERE active) AS period
            FROM customer_periods
            GROUP BY customer_id, cohort
        )
        SELECT {SizeRow}, cohort, NULL::date, count(*)::int, NULL::numeric FROM members GROUP BY cohort
        UNION ALL
        SELECT {ActivityRow}, cohort, period, (count(*) FILTER (WHERE active))::int, sum(net_revenue)
        FROM customer_periods WHERE period >= cohort GROUP BY cohort, period
        UNION ALL
        SELECT {LastPurchaseRow}, cohort, period, count(*)::int, NULL::numeric
        FROM last_purchases WHERE period >= cohort GROUP BY cohort, period
        """;
}
