using Clv.Analytics.Cohorts;
using Clv.Analytics.Portfolio;
using Clv.Data.Feedback;
using Npgsql;

namespace Clv.Data.Analytics.ReadModel;

/// <summary>
/// Time series of a scope, counted set-based in PostgreSQL: each metric's numerator and
/// denominator per customer and period first (days read through a join on the customer), then per
/// group and period. Acquisition spend, a few rows per channel, is prorated in memory as
/// <see cref="TimeSeriesReport"/> does. The answer is <see cref="TimeSeriesReport.Compute"/>'s,
/// figure for figure: the same groups, in the same order, with the same unknown values.
/// </summary>
public static class TimeSeriesQueries
{
    // The kinds of rows the query returns: a group, and a group's sums in a period.
    private const int GroupRow = 0;
    private const int SumsRow = 1;

    /// <summary>
    /// The series of <paramref name="metric"/> for every period from the one holding
    /// <paramref name="from"/> to the one holding <paramref name="to"/>, one per group with a
    /// customer in the scope (and, for spend by channel, per channel with spend); activity after
    /// the scope's last day (the earlier of its cutoff and reference day) is left out, and the
    /// periods after it are unknown.
    /// </summary>
    /// <param name="connection">An open connection.</param>
    /// <param name="scope">The customers counted and the day activity is counted to.</param>
    /// <param name="group">How the customers are grouped; spend is attributed with <c>all</c> and <c>acquisitionChannel</c> only.</param>
    /// <param name="metric">The metric.</param>
    /// <param name="period">Months, quarters or years.</param>
    /// <param name="from">A day of the first period.</param>
    /// <param name="to">A day of the last period.</param>
    /// <param name="settings">The churn window.</param>
    /// <param name="ct">Cancels the query.</param>
    public static async Task<List<TimeSeries>> ComputeAsync(
        NpgsqlConnection connection,
        AnalyticsScope scope,
        GroupSpec group,
        TimeSeriesMetric metric,
        CalendarPeriod period,
        DateOnly from,
        DateOnly to,
        PortfolioSettings settings,
        CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(scope);
        ArgumentNullException.ThrowIfNull(group);
        ArgumentNullException.ThrowIfNull(settings);
        var lastDay = (scope.Cutoff is { } cutoff && cutoff < scope.Reference ? cutoff : scope.Reference).DayNumber;
        // Index 0 is the period before the first shown: retention needs its actives.
        var periods = new PeriodIndex(CalendarPeriods.Add(CalendarPeriods.Start(from, period), -1, period), to, period);
        var count = periods.Count;
        var starts = Array.ConvertAll(periods.Starts, DateOnly.FromDayNumber);
        var spendAttributed = metric is TimeSeriesMetric.Spend or TimeSeriesMetric.Cac && group.By is "all" or "acquisitionChannel";

        // The cells answer the current state, and a past day that ends a period; any other past
        // day too, corrected to the book as it stood then, when few customers changed since.
        var churnWindow = PeriodRollupCells.IsChurn(metric) ? settings.ChurnWindowDays : (int?)null;
        var served = PeriodRollupCells.ServesSeries(group.By) && !TimeSeriesReport.OnlyInDatabase(metric);
        var cellsAnswer = scope.Cutoff is null || PeriodRollupCells.EndsPeriod(DateOnly.FromDayNumber(lastDay), period);
        var cells = served && !cellsAnswer ? await RollupCells.PastDayAsync(connection, scope, churnWindow, ct) : null;
        var (firstSeen, present, sums, spend) = cells is not null
            || served && cellsAnswer && await PeriodRollupCells.AnswersAsync(connection, scope.Cutoff is null ? scope.Reference : null, churnWindow, ct)
            ? await FromRollupAsync(connection, group, metric, period, starts[0], starts[count], DateOnly.FromDayNumber(lastDay), scope.Cutoff is null, spendAttributed, cells ?? RollupCells.Current, ct)
            : await FromDaysAsync(connection, scope, group, metric, period, starts, DateOnly.FromDayNumber(lastDay), settings, spendAttributed, ct);

        // The groups shown: those with a customer in the scope; everyone's even without one; and
        // for spend by channel, each channel with spend.
        if (group.By == "all")
        {
            present.Add("all");
        }
        else if (metric == TimeSeriesMetric.Spend && group.By == "acquisitionChannel")
        {
            present.UnionWith(spend.Select(s => s.Channel));
        }

        var names = Order(group.By, present, firstSeen, spend);
        var index = names.Select((name, g) => (name, g)).ToDictionary(x => x.name, x => x.g, StringComparer.Ordinal);
        var periodOf = Enumerable.Range(0, count).ToDictionary(k => starts[k]);
        var numerator = new decimal[names.Count, count];
        var denominator = new decimal[names.Count, count];
        foreach (var (key, start, top, bottom) in sums)
        {
            if (index.TryGetValue(key, out var g) && periodOf.TryGetValue(start, out var k))
            {
                numerator[g, k] += top;
                denominator[g, k] += bottom;
            }
        }

        // CAC of a period without any spend recorded over it is unknown, not zero.
        var recorded = metric == TimeSeriesMetric.Cac ? new bool[names.Count, count] : null;
        foreach (var s in spend)
        {
            if (!index.TryGetValue(group.By == "all" ? "all" : s.Channel, out var g))
            {
                continue;
            }

            for (var k = 0; k < count && periods.Starts[k] <= lastDay; k++)
            {
                var periodLast = Math.Min(periods.Starts[k + 1] - 1, lastDay);
                numerator[g, k] += CustomerActivity.ProratedSpend(s, periods.Starts[k], periodLast);
                if (recorded is not null)
                {
                    recorded[g, k] |= CustomerActivity.Overlaps(s, periods.Starts[k], periodLast);
                }
            }
        }

        return [.. names.Select((name, g) => new TimeSeries(name, [.. Enumerable.Range(1, Math.Max(count - 1, 0)).Select(k => new TimeSeriesPoint(
            CalendarPeriods.Label(starts[k], period),
            starts[k],
            starts[k + 1].AddDays(-1),
            TimeSeriesReport.Value(metric, numerator[g, k], denominator[g, k], periods.Starts[k] > lastDay || recorded?[g, k] == false)))]))];
    }

    // Spend in the order it was recorded: the in-memory facts read it in table order, the same
    // order while no recorded period has had its amount replaced.
    private const string SpendSql = "SELECT channel, period_start, period_end, amount FROM acquisition_spend ORDER BY id";

    // The groups and sums from the group rollup's cells, of the current state, or as of the last
    // day of a period, or of a past day's cells.
    private static async Task<Rows> FromRollupAsync(
        NpgsqlConnection connection,
        GroupSpec group,
        TimeSeriesMetric metric,
        CalendarPeriod period,
        DateOnly first,
        DateOnly end,
        DateOnly lastDay,
        bool current,
        bool withSpend,
        RollupCells rollupCells,
        CancellationToken ct)
    {
        var (firstSeen, present, cells) = await PeriodRollupCells.SeriesAsync(connection, group.By == "acquisitionChannel", metric, period, first, end, lastDay, current, rollupCells, ct);
        var spend = new List<SpendFact>();
        if (withSpend)
        {
            await using var command = new NpgsqlCommand(SpendSql, connection);
            await using var reader = await command.ExecuteReaderAsync(ct);
            await ReadSpendAsync(reader, spend, ct);
        }

        return new Rows(firstSeen, present, cells.ConvertAll(c => new PeriodSums(c.Key, c.Period, c.Numerator, c.Denominator)), spend);
    }

    // The groups and sums counted per customer from their days.
    private static async Task<Rows> FromDaysAsync(
        NpgsqlConnection connection,
        AnalyticsScope scope,
        GroupSpec group,
        TimeSeriesMetric metric,
        CalendarPeriod period,
        DateOnly[] starts,
        DateOnly lastDay,
        PortfolioSettings settings,
        bool withSpend,
        CancellationToken ct)
    {
        var count = starts.Length - 1;
        await using var command = new NpgsqlCommand { Connection = connection };
        command.CommandText = scope.With(group, command) + Sql(group, metric, period) + (withSpend ? ";\n" + SpendSql : "");
        command.Parameters.Add(new NpgsqlParameter("first", starts[0]));
        command.Parameters.Add(new NpgsqlParameter("end", starts[count]));
        command.Parameters.Add(new NpgsqlParameter("last_day", lastDay));
        command.Parameters.Add(new NpgsqlParameter("window", settings.ChurnWindowDays));
        command.Parameters.Add(new NpgsqlParameter("starts", starts[..count]));
        return await ReadAsync(command, withSpend, ct);
    }

    // The groups (each with its first customer's id among all customers, and whether the scope
    // has a customer in it), the sums per group and period, and the spend rows.
    private static async Task<Rows> ReadAsync(NpgsqlCommand command, bool withSpend, CancellationToken ct)
    {
        var firstSeen = new Dictionary<string, long?>(StringComparer.Ordinal);
        var present = new HashSet<string>(StringComparer.Ordinal);
        var sums = new List<PeriodSums>();
        var spend = new List<SpendFact>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var key = reader.GetString(1);
            if (reader.GetInt32(0) == GroupRow)
            {
                firstSeen[key] = reader.IsDBNull(5) ? null : reader.GetInt64(5);
                if (reader.GetBoolean(6))
                {
                    present.Add(key);
                }
            }
            else
            {
                sums.Add(new PeriodSums(key, reader.GetFieldValue<DateOnly>(2), reader.GetDecimal(3), reader.GetDecimal(4)));
            }
        }

        if (withSpend && await reader.NextResultAsync(ct))
        {
            await ReadSpendAsync(reader, spend, ct);
        }

        return new Rows(firstSeen, present, sums, spend);
    }

    private static async Task ReadSpendAsync(NpgsqlDataReader reader, List<SpendFact> spend, CancellationToken ct)
    {
        while (await reader.ReadAsync(ct))
        {
            spend.Add(new SpendFact(reader.GetString(0), reader.GetFieldValue<DateOnly>(1), reader.GetFieldValue<DateOnly>(2), reader.GetDecimal(3)));
        }
    }

    // The order of the in-memory grouping's names: channels, countries and attribute values by
    // their first customer in id order (the scope's or not), channels with spend only after them
    // in the order their spend was recorded; cohorts by date, unknown last; segments and tiers in
    // their defined order.
    private static List<string> Order(string by, IEnumerable<string> present, Dictionary<string, long?> firstSeen, List<SpendFact> spend)
    {
        var firstSpend = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < spend.Count; i++)
        {
            firstSpend.TryAdd(spend[i].Channel, i);
        }

        var segments = Rfm.Segments.Append(Rfm.NoPurchases).ToList();
        var tiers = CustomerStates.Tiers.Append(AnalyticsScope.Unknown).ToList();
        return by switch
        {
            "cohort" => [.. present.OrderBy(key => key == AnalyticsScope.Unknown).ThenBy(key => key, StringComparer.Ordinal)],
            "rfmSegment" => [.. present.OrderBy(segments.IndexOf)],
            "clvTier" => [.. present.OrderBy(tiers.IndexOf)],
            GroupSpec.NpsClass => [.. present.OrderBy(FeedbackSql.Classes.ToList().IndexOf)],
            GroupSpec.Plan => [.. present.OrderBy(key => key == GroupSpec.NoPlan).ThenBy(key => key, StringComparer.Ordinal)],
            _ => [.. present
                .OrderBy(key => firstSeen.GetValueOrDefault(key) ?? long.MaxValue)
                .ThenBy(key => firstSpend.GetValueOrDefault(key, int.MaxValue))],
        };
    }

    private static string Sql(GroupSpec group, TimeSeriesMetric metric, CalendarPeriod period)
    {
        var values = metric == TimeSeriesMetric.Spend ? "" : $"""
            ,
            {Contributions(metric, period)}
            SELECT {SumsRow}, group_key, period, sum(numerator)::numeric, sum(denominator)::numeric, NULL::bigint, NULL::boolean
            FROM contributions
            GROUP BY group_key, period
            """;
        return (group.By is "acquisitionChannel" or "country" || group.AttributeKey is not null ? FirstSeen(group) : "") + values + $"""

            {(values.Length > 0 ? "UNION ALL" : "")}
            {GroupsSql(group)}
            """;
    }

    // Free-text groups are ordered by their first customer among all customers, in or out of the scope.
    private static string FirstSeen(GroupSpec group) => $"""
        , first_seen AS (
            SELECT {group.KeySql("a")} AS group_key, min(a.customer_id) AS first_id
            FROM (
                SELECT c.id AS customer_id, coalesce(c.acquisition_channel, '{AnalyticsScope.Unattributed}') AS acquisition_channel,
                       coalesce(c.country::text, '{AnalyticsScope.Unknown}') AS country, c.attributes
                FROM customers c
            ) a
            GROUP BY 1
        )
        """;

    private static string GroupsSql(GroupSpec group) =>
        group.By is "acquisitionChannel" or "country" || group.AttributeKey is not null
            ? $"""
                SELECT {GroupRow}, f.group_key, NULL::date, NULL::numeric, NULL::numeric, f.first_id, p.group_key IS NOT NULL
                FROM first_seen f
                LEFT JOIN (SELECT group_key FROM grouped GROUP BY group_key) p ON p.group_key = f.group_key
                """
            : $"SELECT {GroupRow}, group_key, NULL::date, NULL::numeric, NULL::numeric, NULL::bigint, true FROM grouped GROUP BY group_key";

    // (customer_id, group_key, period, numerator, denominator) per customer and period.
    private static string Contributions(TimeSeriesMetric metric, CalendarPeriod period)
    {
        var dayPeriod = GroupSpec.PeriodStartSql("d.day", period);
        var days = $"""
            FROM grouped g
            JOIN customer_days d ON d.customer_id = g.customer_id
            WHERE d.day >= @first AND d.day < @end AND d.day <= @last_day
            """;
        return metric switch
        {
            TimeSeriesMetric.NewCustomers or TimeSeriesMetric.Cac => $"""
                contributions AS (
                    SELECT customer_id, group_key, {GroupSpec.PeriodStartSql("acquired_day", period)} AS period,
                           {(metric == TimeSeriesMetric.Cac ? "0 AS numerator, 1 AS denominator" : "1 AS numerator, 0 AS denominator")}
                    FROM grouped
                    WHERE acquired_day >= @first AND acquired_day < @end AND acquired_day <= @last_day
                )
                """,
            TimeSeriesMetric.NetRevenue => $"""
                contributions AS (
                    SELECT g.customer_id, g.group_key, {dayPeriod} AS period, sum(d.gross_revenue - d.refunds) AS numerator, 0 AS denominator
                    {days}
                    GROUP BY g.customer_id, g.group_key, 3
                )
                """,
            TimeSeriesMetric.AverageOrderValue => $"""
                contributions AS (
                    SELECT g.customer_id, g.group_key, {dayPeriod} AS period, sum(d.gross_revenue) AS numerator, sum(d.purchase_count) AS denominator
                    {days}
                    GROUP BY g.customer_id, g.group_key, 3
                )
                """,
            TimeSeriesMetric.ActiveCustomers => $"""
                {ActivePeriods(dayPeriod, days)},
                contributions AS (SELECT customer_id, group_key, period, 1 AS numerator, 0 AS denominator FROM active_periods)
                """,
            // Active in k − 1 and k over active in k − 1: each active period counts in the next one's
            // denominator, and in its own numerator when the period before was active too.
            TimeSeriesMetric.RetentionRate => $"""
                {ActivePeriods(dayPeriod, days)},
                contributions AS (
                    SELECT customer_id, group_key, period,
                           coalesce(lag(period) OVER (PARTITION BY customer_id ORDER BY period) = {Shift("period", -1, period)}, false)::int AS numerator,
                           0 AS denominator
                    FROM active_periods
                    UNION ALL
                    SELECT customer_id, group_key, {Shift("period", 1, period)}, 0, 1 FROM active_periods
                )
                """,
            // Each answer of the period: NPS values a promoter +100, a passive 0 and a detractor −100.
            TimeSeriesMetric.Nps or TimeSeriesMetric.Csat => $"""
                contributions AS (
                    SELECT g.customer_id, g.group_key, {GroupSpec.PeriodStartSql("(f.answered_at AT TIME ZONE @zone)::date", period)} AS period,
                           {(metric == TimeSeriesMetric.Nps
                               ? "sum(CASE WHEN f.score >= 9 THEN 100 WHEN f.score <= 6 THEN -100 ELSE 0 END)"
                               : "count(*) FILTER (WHERE f.score >= 4)")} AS numerator,
                           count(*) AS denominator
                    FROM grouped g
                    JOIN feedback f ON f.customer_id = g.customer_id AND f.kind = {(short)(metric == TimeSeriesMetric.Nps ? FeedbackKind.Nps : FeedbackKind.Csat)}
                    WHERE (f.answered_at AT TIME ZONE @zone)::date >= @first AND (f.answered_at AT TIME ZONE @zone)::date < @end
                      AND (f.answered_at AT TIME ZONE @zone)::date <= @last_day
                    GROUP BY g.customer_id, g.group_key, 3
                )
                """,
            _ when TimeSeriesReport.IsSubscription(metric) => Subscriptions(metric, period),
            _ => Churn(period),
        };
    }

    // Each subscription of a grouped customer, its days in the reporting zone: active at a period's
    // end (its last day, or the last day counted when earlier) when started by then and not ended on
    // or before it; active at a period's start when started before its first day and not ended
    // before it; new and cancelled in the period of its start and end day.
    private static string Subscriptions(TimeSeriesMetric metric, CalendarPeriod period)
    {
        const string subs = """
            subs AS (
                SELECT g.customer_id, g.group_key, (s.started_at AT TIME ZONE @zone)::date AS started_on, (s.ended_at AT TIME ZONE @zone)::date AS ended_on,
                       CASE WHEN s.billing_period = 2 THEN s.amount / 12 ELSE s.amount END AS monthly
                FROM grouped g
                JOIN subscriptions s ON s.customer_id = g.customer_id
            )
            """;
        var periods = $"(SELECT start, least({Shift("start", 1, period)} - 1, @last_day) AS last FROM unnest(@starts::date[]) AS u(start) WHERE start <= @last_day) p";
        string InPeriod(string day) => $"""
            SELECT customer_id, group_key, {GroupSpec.PeriodStartSql(day, period)} AS period, 1 AS numerator, 0 AS denominator
            FROM subs
            WHERE {day} >= @first AND {day} < @end AND {day} <= @last_day
            """;
        return metric switch
        {
            TimeSeriesMetric.Mrr or TimeSeriesMetric.ActiveSubscriptions => $"""
                {subs},
                contributions AS (
                    SELECT customer_id, group_key, p.start AS period, {(metric == TimeSeriesMetric.Mrr ? "monthly" : "1")} AS numerator, 0 AS denominator
                    FROM subs
                    JOIN {periods} ON subs.started_on <= p.last AND (subs.ended_on IS NULL OR subs.ended_on > p.last)
                )
                """,
            TimeSeriesMetric.NewSubscriptions => $"{subs},\ncontributions AS ({InPeriod("started_on")})",
            TimeSeriesMetric.CancelledSubscriptions => $"{subs},\ncontributions AS ({InPeriod("ended_on")})",
            _ => $"""
                {subs},
                contributions AS (
                    {InPeriod("ended_on")}
                    UNION ALL
                    SELECT customer_id, group_key, p.start, 0, 1
                    FROM subs
                    JOIN {periods} ON subs.started_on < p.start AND (subs.ended_on IS NULL OR subs.ended_on >= p.start)
                )
                """,
        };
    }

    private static string ActivePeriods(string dayPeriod, string days) => $"""
        active_periods AS (
            SELECT g.customer_id, g.group_key, {dayPeriod} AS period
            {days} AND d.purchase_count > 0
            GROUP BY g.customer_id, g.group_key, 3
        )
        """;

    // A customer is alive on day X while X − (last purchase, or acquisition, on or before X) is
    // less than the window. Their alive spells are the islands of their acquisition and purchase
    // days (from the acquisition to the last day) where each follows the one before by at most the
    // window: [first day, last day + window − 1]. A period's denominator counts the spells alive on
    // its eve (its first day − 1, by the last day); its numerator those alive on the eve that end
    // within it (churned on the day after the spell, by the last day).
    private static string Churn(CalendarPeriod period) => $"""
        reference_days AS (
            SELECT customer_id, group_key, acquired_day AS day FROM grouped WHERE acquired_day <= @last_day
            UNION
            SELECT g.customer_id, g.group_key, d.day
            FROM grouped g
            JOIN customer_days d ON d.customer_id = g.customer_id
            WHERE d.purchase_count > 0 AND d.day >= g.acquired_day AND d.day <= @last_day
        ),
        spell_starts AS (
            SELECT customer_id, group_key, day,
                   CASE WHEN day - lag(day) OVER (PARTITION BY customer_id ORDER BY day) > @window THEN 1 ELSE 0 END AS starts_spell
            FROM reference_days
        ),
        spell_days AS (
            SELECT customer_id, group_key, day, sum(starts_spell) OVER (PARTITION BY customer_id ORDER BY day) AS spell
            FROM spell_starts
        ),
        spells AS (
            SELECT customer_id, group_key, min(day) AS spell_start, max(day) + @window - 1 AS spell_end
            FROM spell_days
            GROUP BY customer_id, group_key, spell
        ),
        contributions AS (
            SELECT s.customer_id, s.group_key, p.start AS period, 0 AS numerator, 1 AS denominator
            FROM spells s
            JOIN unnest(@starts::date[]) AS p(start) ON p.start - 1 BETWEEN s.spell_start AND s.spell_end AND p.start <= @last_day
            UNION ALL
            SELECT customer_id, group_key, churned_in, 1, 0
            FROM (SELECT customer_id, group_key, spell_start, spell_end, {GroupSpec.PeriodStartSql("(spell_end + 1)", period)} AS churned_in FROM spells) s
            WHERE spell_end + 1 <= @last_day AND churned_in - 1 >= spell_start AND churned_in >= @first AND churned_in < @end
        )
        """;

    // The first day of the period <periods> periods after the one starting at <start>, as SQL.
    private static string Shift(string start, int periods, CalendarPeriod period) => period switch
    {
        CalendarPeriod.Quarter => $"({start} + interval '{3 * periods} months')::date",
        CalendarPeriod.Year => $"({start} + interval '{periods} years')::date",
        _ => $"({start} + interval '{periods} months')::date",
    };

    private sealed record Rows(Dictionary<string, long?> FirstSeen, HashSet<string> Present, List<PeriodSums> Sums, List<SpendFact> Spend);

    private readonly record struct PeriodSums(string Key, DateOnly Period, decimal Numerator, decimal Denominator);
}
