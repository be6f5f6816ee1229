using Clv.Analytics.Cohorts;
using Clv.Analytics.Portfolio;
using Clv.Analytics.Statistics;
using Clv.Data.Feedback;
using Clv.Data.Rollups;
using Npgsql;
using NpgsqlTypes;

namespace Clv.Data.Analytics.ReadModel;

/// <summary>
/// Segment figures computed set-based in PostgreSQL over the rollups: figure for figure what
/// <see cref="SegmentReport.Compute"/> gives over <see cref="CustomerStates"/> of the same cutoff
/// and reference day. Every figure is summed per customer and then per group in the database;
/// only the sums come back, and the divisions and roundings are done here as the report does them,
/// so that the decimals are the same.
/// </summary>
/// <remarks>
/// The current state's totals come from the summaries (<see cref="AnalyticsScope"/>). Days are
/// read only where a total cannot answer: around the last complete period (activity and churn),
/// of the customers whose last purchase is recent enough to fall there, and, for payback, the new
/// customers' days, only for groups whose acquisition cost is known. The call runs up to three
/// statements: run it in a repeatable-read transaction for the figures to come from one snapshot.
/// </remarks>
public static class SegmentQueries
{
    /// <summary>
    /// Every group's figures, largest segment first, as <see cref="SegmentReport.Compute"/>:
    /// groups with customers, and groups (channels, or everyone) with spend recorded over the
    /// query's range but no customer.
    /// </summary>
    /// <param name="connection">An open connection.</param>
    /// <param name="scope">The customers counted, as of when.</param>
    /// <param name="group">How they are grouped; <c>rfmSegment</c>, <c>clvTier</c> and <see cref="GroupSpec.TiersAndRfm"/> need the scope's <see cref="Rankings"/>; the last one's keys name their grouping (<see cref="GroupSpec.Part"/>).</param>
    /// <param name="query">The acquisition range of new customers and spend, and the period of retention and churn.</param>
    /// <param name="settings">The definitions' parameters.</param>
    /// <param name="parts">The parts computed where every customer is read; the figures of the others are meaningless.</param>
    /// <param name="ct">Cancels the queries.</param>
    public static async Task<List<SegmentFigures>> ComputeAsync(
        NpgsqlConnection connection, AnalyticsScope scope, GroupSpec group, SegmentQuery query, PortfolioSettings settings, SegmentParts parts, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(scope);
        ArgumentNullException.ThrowIfNull(group);
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(settings);
        scope = await LatestAsCurrentAsync(connection, scope, group, ct);
        var cells = await PastDayCellsAsync(connection, scope, group, query, settings, ct);
        if (cells.IsPastDay)
        {
            scope = scope with { Cutoff = null };
        }

        var newFirst = query.From?.DayNumber ?? int.MinValue;
        var newLast = query.To.DayNumber;
        var spend = await SpendByGroupAsync(connection, group, newFirst, newLast, ct);
        // The current state's totals hold every day, tomorrow's included, as the summaries do: only
        // a customer acquired after `to` but in its month could be counted new wrongly.
        var acquiredAfterTo = query.To <= scope.Reference && query.To.AddDays(1).Day != 1 ? scope.Reference : (DateOnly?)null;
        // The health bands, always shown, need the new customers wherever spend is recorded.
        parts |= spend is null ? SegmentParts.None : SegmentParts.Lifecycle;
        var groups = CellsAnswer(scope, group, query) && (cells.IsPastDay || await PeriodRollupCells.AnswersAsync(connection, acquiredAfterTo, settings.ChurnWindowDays, ct))
            ? await GroupSumsFromRollupAsync(connection, scope, group, query, settings, cells, ct)
            : await GroupSumsAsync(connection, scope, group, query, settings, parts, ct);
        // A channel with spend but no customer still shows, so that segment spend adds up to all spend.
        foreach (var key in spend?.Keys ?? Enumerable.Empty<string>())
        {
            groups.TryAdd(key, new GroupSums());
        }

        // Without spend recorded over the range, the acquisition cost is unknown, not zero.
        var cacs = new Dictionary<string, decimal>(StringComparer.Ordinal);
        foreach (var (key, sums) in groups)
        {
            if (spend is not null && spend.TryGetValue(key, out var s) && sums.New > 0)
            {
                cacs[key] = s / sums.New;
            }
        }

        var curves = cacs.Count == 0 ? []
            : CurvesFromCells(scope, query) && (cells.IsPastDay || await PeriodRollupCells.AnswersAsync(connection, scope.Cutoff is null ? scope.Reference : null, null, ct))
                ? await ProfitCurvesFromRollupAsync(connection, group, query, scope.Reference, [.. cacs.Keys], cells, ct)
                : await ProfitCurvesAsync(connection, scope, group, query, [.. cacs.Keys], ct);
        var hasPredictions = scope.ActiveRun is not null;
        // Revenue shares are of each grouping's whole: TiersAndRfm counts every customer once in each.
        var totalNet = new Dictionary<string, decimal>(StringComparer.Ordinal);
        foreach (var (key, sums) in groups)
        {
            var by = group.Part(key).By;
            totalNet[by] = totalNet.GetValueOrDefault(by) + sums.Net;
        }

        var result = new List<SegmentFigures>(groups.Count);
        foreach (var (key, a) in groups)
        {
            decimal? groupSpend = spend is null ? null : spend.GetValueOrDefault(key);
            decimal? cac = cacs.TryGetValue(key, out var known) ? known : null;
            var payback = cac is { } c ? curves.GetValueOrDefault(key, ProfitCurve.Empty).Payback(c) : (null, 0);
            // The report's walk adds half of each middle value.
            result.Add(SegmentReport.Figures(key, a, (a.LowerMiddle / 2) + (a.UpperMiddle / 2), totalNet[group.Part(key).By], groupSpend, cac, payback, hasPredictions, settings));
        }

        result.Sort((x, y) => y.Customers != x.Customers ? y.Customers.CompareTo(x.Customers) : string.CompareOrdinal(x.Key, y.Key));
        return result;
    }

    /// <summary>
    /// Everyone's and each channel's scope as the current state seen from its cutoff when the book
    /// holds nothing after the cutoff (a dashboard's default day, the latest purchase's, say): no
    /// day, acquisition or refund is dated later, so the group rollup's cells hold the state then,
    /// and answer instead of every customer's totals. Checked in the caller's snapshot. Other
    /// groupings keep their one statement over the customers: as of such a day it reads their
    /// summaries already, and the current state's three statements cost more there.
    /// </summary>
    private static async Task<AnalyticsScope> LatestAsCurrentAsync(NpgsqlConnection connection, AnalyticsScope scope, GroupSpec group, CancellationToken ct) =>
        scope.Cutoff is { } cutoff && cutoff <= scope.Reference && group.By is "all" or "acquisitionChannel"
            && await PeriodRollupCells.AnswersAsync(connection, cutoff, null, ct)
            ? scope with { Cutoff = null }
            : scope;

    /// <summary>
    /// As of a past day, everyone's and each channel's figures come from the group rollup's cells
    /// too, as the current state's do, seen from that day: the cells as the book stood at its end,
    /// the table's corrected for the few customers whose state then differs from their state now
    /// (<see cref="RollupCells.PastDayAsync"/>), instead of every customer's totals and days. Otherwise
    /// (other groupings, a churn window the rollup does not count, too many customers to correct)
    /// the table's cells, and the days answer.
    /// </summary>
    private static async Task<RollupCells> PastDayCellsAsync(
        NpgsqlConnection connection, AnalyticsScope scope, GroupSpec group, SegmentQuery query, PortfolioSettings settings, CancellationToken ct) =>
        CellsAnswer(scope with { Cutoff = null }, group, query)
            ? await RollupCells.PastDayAsync(connection, scope, settings.ChurnWindowDays, ct) ?? RollupCells.Current
            : RollupCells.Current;

    /// <summary>
    /// The whole portfolio's figures, as the summary shows them: the <c>all</c> group with
    /// retention and churn over the last complete month; all zeros (key <c>all</c>) when there is
    /// neither a customer nor spend.
    /// </summary>
    /// <param name="connection">An open connection.</param>
    /// <param name="scope">The customers counted, as of when.</param>
    /// <param name="from">First acquisition day of new customers and spend; null for all time.</param>
    /// <param name="to">Last acquisition day of new customers and spend.</param>
    /// <param name="settings">The definitions' parameters.</param>
    /// <param name="ct">Cancels the queries.</param>
    public static async Task<SegmentFigures> TotalAsync(
        NpgsqlConnection connection, AnalyticsScope scope, DateOnly? from, DateOnly to, PortfolioSettings settings, CancellationToken ct)
    {
        var all = await ComputeAsync(connection, scope, GroupSpec.All, new SegmentQuery(from, to, CalendarPeriod.Month), settings, SegmentParts.All, ct);
        return all.FirstOrDefault() ?? new SegmentFigures { Key = "all" };
    }

    // Spend is attributed to channels (and to everyone); other groupings have none (null). A group
    // has an entry when a spend row of it overlaps [first, last]: its spend there is recorded,
    // maybe 0. The rows are few (channels × periods), so they are prorated here, as the report does.
    private static async Task<Dictionary<string, decimal>?> SpendByGroupAsync(
        NpgsqlConnection connection, GroupSpec group, int first, int last, CancellationToken ct)
    {
        if (group.By is not ("acquisitionChannel" or "all"))
        {
            return null;
        }

        var spend = new Dictionary<string, decimal>(StringComparer.Ordinal);
        await using var command = new NpgsqlCommand("SELECT channel, period_start, period_end, amount FROM acquisition_spend", connection);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var row = new SpendFact(reader.GetString(0), reader.GetFieldValue<DateOnly>(1), reader.GetFieldValue<DateOnly>(2), reader.GetDecimal(3));
            if (CustomerActivity.Overlaps(row, first, last))
            {
                var key = group.By == "all" ? "all" : row.Channel;
                spend[key] = spend.GetValueOrDefault(key) + CustomerActivity.ProratedSpend(row, first, last);
            }
        }

        return spend;
    }

    // Per group: counts and sums over the customers (one row each, with what the period's days say
    // of them), and the two middle historical CLVs. As of a past day, in one statement: the totals
    // are summed from the days, once. For the current state, whose totals are one summary row per
    // customer, in three: the customers who bought nothing since the start of the period before
    // (most of them, summed in parallel: their days tell nothing of the two periods), the others
    // (found from their summaries) with their days around the periods, and the middles, each
    // group's sort on its own. Their sums add up per group.
    // Parts left out (SegmentParts) are not read, and their figures are meaningless.
    private static async Task<Dictionary<string, GroupSums>> GroupSumsAsync(
        NpgsqlConnection connection, AnalyticsScope scope, GroupSpec group, SegmentQuery query, PortfolioSettings settings, SegmentParts parts, CancellationToken ct)
    {
        var (activity, withMiddles, formula) = (parts.HasFlag(SegmentParts.Activity), parts.HasFlag(SegmentParts.Middles), parts.HasFlag(SegmentParts.Formula));
        // As of the last day of a month, everyone's and each channel's formula CLV sums come from
        // the group rollup's month cells, as the current state's do: the window's months are whole
        // then, and no later day changes who was alive at their starts or churned by that day.
        var formulaFromCells = formula && scope.Cutoff is { } cutoff && group.By is "all" or "acquisitionChannel"
            && PeriodRollupCells.EndsPeriod(cutoff, CalendarPeriod.Month)
            && await PeriodRollupCells.AnswersAsync(connection, null, settings.ChurnWindowDays, ct);
        await using var command = new NpgsqlCommand { Connection = connection };
        // Only the activity and the lifecycle read every customer's acquisition day.
        var with = scope.With(group, command, profiles: activity || parts.HasFlag(SegmentParts.Lifecycle));
        var recent = activity ? RecentSql : NoRecentSql;
        var formulaSql = formula ? FormulaSql(settings.ChurnWindowDays) : "";
        // The formula CLV's sums per customer join the statement that reads every customer once.
        command.CommandText = formulaFromCells
            ? with + GroupSumsSql(group, query, recent, "grouped g", parts & ~SegmentParts.Formula)
                + ";\n" + FormulaCellsSql(group, RollupCells.Current, acquiredBy: true)
            : scope.Cutoff is not null
            ? with + formulaSql + GroupSumsSql(group, query, recent, "grouped g", parts)
            : CurrentCustomersSql(with, group, query, parts)
                + (formula || withMiddles ? ";\n" + with + formulaSql + MiddlesAndFormulaSql(group, withMiddles ? MiddlesSql : NoMiddles, formula) : "");
        AddCustomerRowParameters(command, scope, query, settings);
        AddFormulaParameters(command, scope.Reference, settings.ChurnWindowDays);
        if (formulaFromCells && scope.Cutoff is { } acquiredBy)
        {
            command.Parameters.Add(new NpgsqlParameter("acquired_by", acquiredBy));
        }

        var groups = new Dictionary<string, GroupSums>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(ct);
        do
        {
            // Each statement's sums by their columns' names: a group's sums, or a part of them
            // (GroupSumsSql: the current state's statements, and a value grouping's (tier, segment)
            // pairs, add up); the middles and the formula CLV's sums (MiddlesAndFormulaSql); or the
            // formula CLV's sums from the cells alone (FormulaCellsSql), of the groups with customers.
            var columns = Enumerable.Range(0, reader.FieldCount).Select(reader.GetName).ToHashSet(StringComparer.Ordinal);
            var (counts, middles) = (columns.Contains("customers"), columns.Contains("lower_middle"));
            int Int(string column) => reader.GetInt32(reader.GetOrdinal(column));
            decimal Decimal(string column) => reader.GetDecimal(reader.GetOrdinal(column));
            while (await reader.ReadAsync(ct))
            {
                var key = reader.GetString(0);
                if (!middles && !groups.ContainsKey(key))
                {
                    continue;
                }

                var sums = groups.TryGetValue(key, out var kept) ? kept : groups[key] = new GroupSums();
                if (counts)
                {
                    sums.Customers += Int("customers");
                    sums.Repeat += Int("repeat_buyers");
                    sums.Net += Decimal("net_revenue");
                    sums.Churned += Int("churned");
                    sums.PredictedCount += Int("predicted");
                    sums.Predicted += Decimal("predicted_clv");
                    sums.ModelChurned += Int("model_churned");
                    sums.Active += Int("active");
                    sums.ActiveBefore += Int("active_before");
                    sums.Retained += Int("retained");
                    sums.AtRisk += Int("at_risk");
                    sums.BecameChurned += Int("became_churned");
                    sums.New += Int("new_customers");
                    sums.NewGrossProfit += Decimal("new_gross_profit");
                    sums.NewPredicted += Decimal("new_predicted_clv");
                    sums.NewPredictedCount += Int("new_predicted");
                }

                if (middles && !reader.IsDBNull(reader.GetOrdinal("lower_middle")))
                {
                    (sums.LowerMiddle, sums.UpperMiddle) = (Decimal("lower_middle"), Decimal("upper_middle"));
                }

                sums.Formula += ReadFormula(reader);
            }
        }
        while (await reader.NextResultAsync(ct));

        return groups;
    }

    /// <summary>
    /// Each of the groups <paramref name="keys"/>, with the size, mean and sample standard
    /// deviation of a per-customer <paramref name="figure"/> over its customers, from the very
    /// per-customer rows that segments sum (<see cref="ComputeAsync"/>): so a comparison's groups
    /// are the segments' customers, figure for figure. Only customers acquired in the query's
    /// range count when <paramref name="acquiredInRange"/>; <see cref="FigureSample.Members"/>
    /// counts every customer of the group all the same. Groups without a customer are absent.
    /// </summary>
    /// <param name="connection">An open connection.</param>
    /// <param name="scope">The customers counted, as of when.</param>
    /// <param name="group">How they are grouped.</param>
    /// <param name="query">The acquisition range and the period of retention and churn.</param>
    /// <param name="settings">The definitions' parameters.</param>
    /// <param name="figure">The figure compared.</param>
    /// <param name="acquiredInRange">Whether only the customers acquired in the query's range count.</param>
    /// <param name="keys">The groups wanted.</param>
    /// <param name="ct">Cancels the query.</param>
    public static async Task<Dictionary<string, FigureSample>> SamplesAsync(
        NpgsqlConnection connection, AnalyticsScope scope, GroupSpec group, SegmentQuery query, PortfolioSettings settings,
        CustomerFigure figure, bool acquiredInRange, IReadOnlyList<string> keys, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(scope);
        ArgumentNullException.ThrowIfNull(group);
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(keys);
        if (group.By == GroupSpec.TiersAndRfm)
        {
            throw new ArgumentException("A comparison's groups are of one grouping.", nameof(group));
        }

        await using var command = new NpgsqlCommand { Connection = connection };
        var with = scope.With(group, command);
        var latestNps = "";
        if (figure == CustomerFigure.Nps)
        {
            FeedbackSql.AddParameters(command, null, scope.Cutoff);
            latestNps = $"LEFT JOIN ({FeedbackSql.LatestSql(FeedbackKind.Nps)}) n ON n.customer_id = c.customer_id";
        }

        var value = figure switch
        {
            CustomerFigure.HistoricalClv or CustomerFigure.NetRevenue => "c.net_revenue",
            CustomerFigure.PredictedClv => "c.predicted_clv",
            CustomerFigure.PurchaseCount => "c.purchase_count::numeric",
            CustomerFigure.AverageOrderValue => "CASE WHEN c.purchase_count > 0 THEN c.gross_revenue / c.purchase_count END",
            CustomerFigure.Retained => "CASE WHEN c.active_before THEN c.active::int END",
            CustomerFigure.RepeatPurchase => "(c.purchase_days >= 2)::int",
            CustomerFigure.Churned => "c.churned::int",
            _ => "n.score::int",
        };
        var counted = acquiredInRange ? "c.new" : "true";
        command.CommandText = with + RecentSql + $"""
            SELECT c.group_key, count(*),
                   count(v.value) FILTER (WHERE {counted}), avg(v.value) FILTER (WHERE {counted})::float8,
                   stddev_samp(v.value) FILTER (WHERE {counted})::float8, count(*) FILTER (WHERE {counted} AND v.value = 1),
                   count(*) FILTER (WHERE {counted} AND v.value >= 9), count(*) FILTER (WHERE {counted} AND v.value BETWEEN 7 AND 8),
                   count(*) FILTER (WHERE {counted} AND v.value <= 6)
            FROM (
                {CustomerRowsSql(group, query, "grouped g WHERE g.group_key = ANY(@keys)")}
            ) c
            {latestNps}
            CROSS JOIN LATERAL (SELECT {value} AS value) v
            GROUP BY c.group_key
            """;
        AddCustomerRowParameters(command, scope, query, settings);
        command.Parameters.Add(new NpgsqlParameter("keys", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = keys.ToArray() });
        var samples = new Dictionary<string, FigureSample>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            samples[reader.GetString(0)] = new FigureSample(
                reader.GetInt64(1),
                reader.GetInt64(2),
                reader.IsDBNull(3) ? null : reader.GetDouble(3),
                reader.IsDBNull(4) ? null : reader.GetDouble(4),
                reader.GetInt64(5),
                new NpsCounts(reader.GetInt64(6), reader.GetInt64(7), reader.GetInt64(8)));
        }

        return samples;
    }

    // The parameters of the per-customer rows (CustomerRowsSql) and their recent CTE.
    private static void AddCustomerRowParameters(NpgsqlCommand command, AnalyticsScope scope, SegmentQuery query, PortfolioSettings settings)
    {
        var (first, last) = CustomerActivity.LastCompletePeriod(scope.Reference, query.Period);
        var (previousFirst, previousLast) = CustomerActivity.PreviousPeriod(first, query.Period);
        var window = settings.ChurnWindowDays;
        command.Parameters.Add(new NpgsqlParameter("alive_threshold", NpgsqlDbType.Double) { Value = settings.AliveThreshold });
        command.Parameters.Add(new NpgsqlParameter("window", window));
        command.Parameters.Add(new NpgsqlParameter("period_first", DateOnly.FromDayNumber(first)));
        command.Parameters.Add(new NpgsqlParameter("period_last", DateOnly.FromDayNumber(last)));
        command.Parameters.Add(new NpgsqlParameter("eve", DateOnly.FromDayNumber(first - 1)));
        command.Parameters.Add(new NpgsqlParameter("previous_first", DateOnly.FromDayNumber(previousFirst)));
        command.Parameters.Add(new NpgsqlParameter("previous_last", DateOnly.FromDayNumber(previousLast)));
        // A customer is at risk at the eve only if active within the window before it: earlier
        // purchases cannot change the churn outcome, so days before this are not read.
        command.Parameters.Add(new NpgsqlParameter("days_from", DateOnly.FromDayNumber(Math.Min(previousFirst, first - window))));
        AddNewParameters(command, query);
    }

    // Per customer whose last purchase (ever, as the summary has it) is on or after the start of
    // the period before the last complete one: their purchase days around the two periods, a range
    // of the (customer_id, day) key each. Everyone else bought nothing in them. As of a past day
    // this reads a few customers more than needed (those who bought again since), never fewer.
    private const string RecentSql = """
        , recent AS (
            SELECT p.customer_id,
                   bool_or(p.day >= @period_first) AS active,
                   bool_or(p.day BETWEEN @previous_first AND @previous_last) AS active_before,
                   max(p.day) FILTER (WHERE p.day < @period_first) AS last_by_eve,
                   min(p.day) FILTER (WHERE p.day >= @period_first) AS first_in,
                   max(p.day) FILTER (WHERE p.day >= @period_first) AS last_in,
                   max(p.gap) FILTER (WHERE p.day - p.gap >= @period_first) AS longest_gap
            FROM (
                SELECT d.customer_id, d.day, d.day - lag(d.day) OVER (PARTITION BY d.customer_id ORDER BY d.day) AS gap
                FROM customer_summaries s
                JOIN customer_days d ON d.customer_id = s.customer_id AND d.day BETWEEN @days_from AND @period_last
                WHERE s.last_purchase_day >= @previous_first AND d.purchase_count > 0
            ) p
            GROUP BY p.customer_id
        )

        """;

    // The same columns for customers who bought nothing since the start of the period before.
    private const string NoRecentSql = """
        , recent AS (
            SELECT NULL::bigint AS customer_id, NULL::boolean AS active, NULL::boolean AS active_before, NULL::date AS last_by_eve,
                   NULL::date AS first_in, NULL::date AS last_in, NULL::int AS longest_gap
            WHERE false
        )

        """;

    // The sums per group over the customers g of customers (grouped g, restricted or joined), of
    // the parts given; the formula CLV's sums need the formula CTE before the statement. A part
    // left out sums constants: PostgreSQL then computes none of its per-customer states, which
    // took about a third of the dashboard's tiers and RFM statement at CDNOW x40 (docs/benchmarks.md).
    private static string GroupSumsSql(GroupSpec group, SegmentQuery query, string recent, string customers, SegmentParts parts)
    {
        var (activity, lifecycle) = (parts.HasFlag(SegmentParts.Activity), parts.HasFlag(SegmentParts.Lifecycle));
        var middles = parts.HasFlag(SegmentParts.Middles) ? MiddlesSql : NoMiddles;
        var sums = $"""
                   count(*)::int AS customers,
                   {(lifecycle ? "count(*) FILTER (WHERE c.purchase_days >= 2)::int" : "0")} AS repeat_buyers,
                   coalesce(sum(c.net_revenue), 0) AS net_revenue,
                   {(lifecycle ? "count(*) FILTER (WHERE c.churned)::int" : "0")} AS churned,
                   count(c.predicted_clv)::int AS predicted,
                   coalesce(sum(c.predicted_clv), 0) AS predicted_clv,
                   {(lifecycle ? "count(*) FILTER (WHERE c.probability_alive < @alive_threshold)::int" : "0")} AS model_churned,
                   {(activity ? """
                       count(*) FILTER (WHERE c.active)::int AS active,
                       count(*) FILTER (WHERE c.active_before)::int AS active_before,
                       count(*) FILTER (WHERE c.active AND c.active_before)::int AS retained,
                       count(*) FILTER (WHERE c.at_risk)::int AS at_risk,
                       count(*) FILTER (WHERE c.at_risk AND c.became_churned)::int AS became_churned
                       """ : "0 AS active, 0 AS active_before, 0 AS retained, 0 AS at_risk, 0 AS became_churned")},
                   {(lifecycle ? """
                       count(*) FILTER (WHERE c.new)::int AS new_customers,
                       coalesce(sum(c.net_revenue - c.known_cost) FILTER (WHERE c.new), 0) AS new_gross_profit,
                       coalesce(sum(c.predicted_clv) FILTER (WHERE c.new), 0) AS new_predicted_clv,
                       count(c.predicted_clv) FILTER (WHERE c.new)::int AS new_predicted
                       """ : "0 AS new_customers, 0::numeric AS new_gross_profit, 0::numeric AS new_predicted_clv, 0 AS new_predicted")},
                   {middles},
                   {(parts.HasFlag(SegmentParts.Formula) ? FormulaSumsSql : NoFormulaSumsSql)}
            """;
        var rows = $"""
            FROM (
                {CustomerRowsSql(group, query, customers)}
            ) c
            {(parts.HasFlag(SegmentParts.Formula) ? "LEFT JOIN formula f ON f.customer_id = c.customer_id" : "")}
            """;
        // Both value groupings without the middles: summed per (tier, segment) pair, which
        // PostgreSQL does in parallel (not over grouping sets), and each pair's sums given to its
        // tier and to its segment, whose rows GroupSumsAsync adds up (the pair's keys trail the
        // sums, unread). The dashboard's tiers and RFM statement at CDNOW x40 took 1.4-2.0 s
        // against 1.7-2.3 s over grouping sets (docs/benchmarks.md).
        return group.By == GroupSpec.TiersAndRfm && !parts.HasFlag(SegmentParts.Middles)
            ? recent + $"""
                SELECT k.key, p.*
                FROM (
                    SELECT {sums}, {group.KeyColumnsSql("c")}
                    {rows}
                    GROUP BY {group.KeyColumnsSql("c")}
                ) p
                CROSS JOIN LATERAL {group.KeysSql("p")} k(key)
                """
            : recent + $"""
                SELECT {group.SelectKeySql("c")},
                       {sums}
                {rows}
                GROUP BY {group.GroupBySql("c")}
                """;
    }

    // The formula CLV's sums of a group, over its customers' rows f of the formula CTE.
    private const string FormulaSumsSql =
        "coalesce(sum(f.net), 0) AS formula_net, coalesce(sum(f.months), 0)::bigint AS formula_months, coalesce(sum(f.churned), 0)::bigint AS formula_churned";

    private const string NoFormulaSumsSql = "0::numeric AS formula_net, 0::bigint AS formula_months, 0::bigint AS formula_churned";

    // The two middle net revenues from one sort (one aggregate, written twice: PostgreSQL computes
    // identical aggregates once). percentile_disc takes the value at position ⌈f·n⌉: 0.5 gives
    // ⌈n/2⌉, the lower middle, and 0.5 + 10⁻¹² gives ⌊n/2⌋ + 1, the upper one, in any group of
    // fewer than 5·10¹¹ customers.
    private const string MiddlesSql = """
        (percentile_disc(ARRAY[0.5, 0.500000000001]::float8[]) WITHIN GROUP (ORDER BY c.net_revenue))[1] AS lower_middle,
        (percentile_disc(ARRAY[0.5, 0.500000000001]::float8[]) WITHIN GROUP (ORDER BY c.net_revenue))[2] AS upper_middle
        """;

    // The two middle net revenues' columns where they are not computed.
    private const string NoMiddles = "NULL::numeric AS lower_middle, NULL::numeric AS upper_middle";

    // The current state's sums per group over the customers, of the parts given but the middles and
    // the formula CLV's: those who bought nothing since the start of the period before (no day
    // read), then the others with their days around the periods; without the activity, all of them
    // in one statement.
    private static string CurrentCustomersSql(string with, GroupSpec group, SegmentQuery query, SegmentParts parts)
    {
        parts &= SegmentParts.Activity | SegmentParts.Lifecycle;
        return parts.HasFlag(SegmentParts.Activity)
            ? with + GroupSumsSql(group, query, NoRecentSql, "grouped g WHERE coalesce(g.last_purchase_day < @previous_first, true)", parts) + ";\n"
                + with + GroupSumsSql(group, query, RecentSql, "customer_summaries k JOIN grouped g ON g.customer_id = k.customer_id AND k.last_purchase_day >= @previous_first", parts)
            : with + GroupSumsSql(group, query, NoRecentSql, "grouped g", parts);
    }

    // The current state's statement of the middles and the formula CLV's sums, per group (after the
    // formula CTE when the formula is asked).
    private static string MiddlesAndFormulaSql(GroupSpec group, string middles, bool formula) =>
        $"SELECT {group.SelectKeySql("c")}, {middles}, {(formula ? FormulaSumsSql : NoFormulaSumsSql)} FROM grouped c "
        + $"{(formula ? "LEFT JOIN formula f ON f.customer_id = c.customer_id " : "")}GROUP BY {group.GroupBySql("c")}";

    // Per customer (customer_id, net, months, churned), the parts of the formula CLV over the 12
    // complete months [@formula_first, @formula_last] (FormulaClv.Of): net revenue on their days,
    // months at whose start they were not churned, and months in which they became churned. The
    // alive spells are the churn time series' (TimeSeriesQueries): the islands of the acquisition
    // and purchase days ("marks") whose gaps are at most the window, each alive over
    // (first mark, last mark + window]. They are read from @formula_days_from = @formula_first − the
    // window on: a spell alive on a month's eve, or ending in the window, has a mark there, and no
    // earlier mark can join it. Only customers with such a day are read: acquired since then, or
    // bought since then or refunded ever (a refund can fall on a day without a purchase), as their
    // summary says; so now, in a book whose recent months are quiet, the days are not read at all.
    //
    // One sorted pass per customer, with no row per spell: the union of a spell's (mark, mark +
    // window] is the spell's own span, so the months alive are the window's month starts covered by
    // any mark's span, as a bitmask of the 12 (a bit per month start, width_bucket counting the
    // starts up to a day) OR-ed over the marks. A spell ends at a mark followed by no mark within the
    // window: at each mark that follows its previous one by more (the running maximum of the earlier
    // marks), and at the last mark. It counts when the day after its end (mark + window) falls in
    // the window and the spell began before that day's month, which a window of more than 30 days
    // always meets (the month began at most 30 days before it, after the mark); a shorter window
    // also takes each spell's first mark, a second running maximum.
    private static string FormulaSql(int churnWindowDays)
    {
        var shortWindow = churnWindowDays <= 30;
        // The spell of a mark + window's churn began before that day's month.
        static string BeganBefore(string mark, string spellStart) => $"AND date_trunc('month', ({mark} + @window)::timestamp)::date > {spellStart}";
        var spellStarts = shortWindow ? """
            formula_spells AS (
                SELECT customer_id, day, mark, net, previous_mark, starts_spell,
                       max(day) FILTER (WHERE starts_spell) OVER (PARTITION BY customer_id ORDER BY day ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS previous_start
                FROM (SELECT *, mark AND coalesce(day - previous_mark > @window, true) AS starts_spell FROM formula_marks) m
            ),
            """ : "";
        return $"""
            , formula_rows AS (
                SELECT d.customer_id, d.day, d.purchase_count > 0 AND d.day >= {AnalyticsScope.AcquiredDaySql} AS mark,
                       CASE WHEN d.day >= @formula_first THEN d.gross_revenue - d.refunds END AS net
                FROM customer_summaries s
                JOIN customers c ON c.id = s.customer_id
                JOIN customer_days d ON d.customer_id = s.customer_id AND d.day BETWEEN @formula_days_from AND @formula_last
                WHERE s.last_purchase_day >= @formula_days_from OR s.refunds <> 0
                UNION ALL
                SELECT c.id, {AnalyticsScope.AcquiredDaySql}, true, NULL
                FROM customers c
                WHERE {AnalyticsScope.AcquiredDaySql} BETWEEN @formula_days_from AND @formula_last
            ),
            formula_marks AS (
                SELECT customer_id, day, mark, net,
                       max(day) FILTER (WHERE mark) OVER (PARTITION BY customer_id ORDER BY day ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS previous_mark
                FROM formula_rows
            ),
            {spellStarts}
            formula AS (
                SELECT customer_id, sum(net) AS net,
                       coalesce(bit_count(bit_or((1 << width_bucket(day + @window, @formula_starts)) - (1 << width_bucket(day, @formula_starts)))
                           FILTER (WHERE mark)::bit({FormulaClv.Months})), 0) AS months,
                       count(*) FILTER (WHERE mark AND day - previous_mark > @window AND previous_mark + @window BETWEEN @formula_first AND @formula_last
                           {(shortWindow ? BeganBefore("previous_mark", "previous_start") : "")})
                         + coalesce(max(day) FILTER (WHERE mark) + @window BETWEEN @formula_first AND @formula_last
                           {(shortWindow ? BeganBefore("max(day) FILTER (WHERE mark)", "max(day) FILTER (WHERE starts_spell)") : "")}, false)::int AS churned
                FROM {(shortWindow ? "formula_spells" : "formula_marks")}
                GROUP BY customer_id
            )

            """;
    }

    // The formula CLV's sums per group (everyone, or each channel) from the month cells of its
    // window: net revenue, at-risk and churned customers by the reference day; with acquiredBy, of
    // the customers acquired by @acquired_by only (the last day of a month: whole cohorts).
    private static string FormulaCellsSql(GroupSpec group, RollupCells cells, bool acquiredBy) => $"""
        SELECT {(group.By == "all" ? "'all'" : "channel")}, coalesce(sum(gross_revenue - refunds), 0) AS formula_net,
               coalesce(sum(at_risk), 0)::bigint AS formula_months,
               coalesce(sum(churned) FILTER (WHERE churn_day <= @reference), 0)::bigint AS formula_churned
        FROM {cells.Sql}
        WHERE period_kind = {PeriodRollups.Month} AND period BETWEEN @formula_first AND @formula_last
              {(acquiredBy ? "AND (cohort IS NULL OR cohort <= @acquired_by)" : "")}
        GROUP BY 1
        """;

    // The window of the formula CLV (FormulaClv.Window) as of the reference day.
    private static void AddFormulaParameters(NpgsqlCommand command, DateOnly reference, int churnWindowDays)
    {
        var (starts, last) = FormulaClv.Window(reference);
        command.Parameters.Add(new NpgsqlParameter("formula_first", DateOnly.FromDayNumber(starts[0])));
        command.Parameters.Add(new NpgsqlParameter("formula_last", DateOnly.FromDayNumber(last)));
        command.Parameters.Add(new NpgsqlParameter("formula_starts", starts.Select(DateOnly.FromDayNumber).ToArray()));
        command.Parameters.Add(new NpgsqlParameter("formula_days_from", DateOnly.FromDayNumber(starts[0] - churnWindowDays)));
    }

    // The formula CLV's sums of a row (FormulaSumsSql's columns, or FormulaCellsSql's).
    private static FormulaClvInputs ReadFormula(NpgsqlDataReader reader) => new(
        reader.GetDecimal(reader.GetOrdinal("formula_net")),
        reader.GetInt64(reader.GetOrdinal("formula_months")),
        reader.GetInt64(reader.GetOrdinal("formula_churned")));

    // One row per customer g of customers (grouped g, restricted or joined), after the recent CTE:
    // their key, totals and prediction, and what the last complete period's days say of them.
    // Segments sum these rows per group; a comparison reads them one by one (CompareAsync).
    private static string CustomerRowsSql(GroupSpec group, SegmentQuery query, string customers) => $"""
            SELECT g.customer_id, {group.KeyColumnsSql("g")}, g.purchase_days, g.purchase_count, g.gross_revenue, g.net_revenue, g.known_cost, g.predicted_clv,
                   CASE WHEN g.predicted_clv IS NOT NULL THEN g.probability_alive END AS probability_alive,
                   coalesce(@reference - greatest(g.last_purchase_day, g.acquired_day) >= @window, false) AS churned,
                   coalesce(r.active, false) AS active,
                   coalesce(r.active_before, false) AS active_before,
                   -- At risk at the eve: acquired by then and active within the window before it.
                   coalesce(g.acquired_day <= @eve AND @eve - e.last_activity < @window, false) AS at_risk,
                   -- Churned during the period: a gap of more than the window before a purchase
                   -- in it, or the window passed since the last activity at its end.
                   coalesce(r.first_in - e.last_activity > @window, false)
                       OR coalesce(r.longest_gap > @window, false)
                       OR @period_last - coalesce(r.last_in, e.last_activity) >= @window AS became_churned,
                   coalesce({NewSql("g", query)}, false) AS new
            FROM (SELECT g.* FROM {customers}) g
            LEFT JOIN recent r ON r.customer_id = g.customer_id
            -- The later of acquisition and the last purchase by the eve. Whoever bought nothing
            -- since the period before bought last on the day their totals say.
            CROSS JOIN LATERAL (
                SELECT greatest(g.acquired_day, CASE WHEN g.last_purchase_day >= @previous_first THEN r.last_by_eve ELSE g.last_purchase_day END) AS last_activity
            ) e
        """;

    // The new customers' gross profit by month since acquisition (0 = the acquisition month, days
    // before acquisition in it included, months after the reference day's not), per group and
    // month; and per group, how many new customers have been observed for how many months (months
    // begun by the reference day). Only for the groups given: those with a CAC.
    private static async Task<Dictionary<string, ProfitCurve>> ProfitCurvesAsync(
        NpgsqlConnection connection, AnalyticsScope scope, GroupSpec group, SegmentQuery query, string[] groups, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand { Connection = connection };
        command.CommandText = scope.With(group, command) + $"""
            , new_customers AS (
                SELECT g.customer_id, g.group_key, g.acquired_day, {MonthSql("g.acquired_day")} AS acquired_month,
                       @reference_month - {MonthSql("g.acquired_day")} + 1 AS observed
                FROM grouped g
                WHERE g.group_key = ANY(@groups) AND {NewSql("g", query)}
            )
            SELECT n.group_key, n.observed, count(*)::int, NULL::int, NULL::numeric
            FROM new_customers n
            WHERE n.observed > 0
            GROUP BY n.group_key, n.observed
            UNION ALL
            -- Sums combine: each shard sums its customers' days per group and month.
            SELECT n.group_key, NULL, NULL, {MonthSql("d.day")} - n.acquired_month, sum(d.gross_revenue - d.refunds - d.cost)
            FROM new_customers n
            JOIN customer_days d ON d.customer_id = n.customer_id
                 AND d.day >= date_trunc('month', n.acquired_day::timestamp)::date AND d.day < @after_reference_month
                 {(scope.Cutoff is null ? "" : "AND d.day <= @cutoff")}
            WHERE n.observed > 0
            GROUP BY n.group_key, 4
            """;
        command.Parameters.Add(new NpgsqlParameter("reference_month", MonthNumber(scope.Reference)));
        // Months after the reference day's are not observed yet.
        command.Parameters.Add(new NpgsqlParameter("after_reference_month", CalendarPeriods.Add(CalendarPeriods.Start(scope.Reference, CalendarPeriod.Month), 1, CalendarPeriod.Month)));
        command.Parameters.Add(new NpgsqlParameter("groups", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = groups });
        AddNewParameters(command, query);
        var observed = new Dictionary<string, Dictionary<int, int>>(StringComparer.Ordinal);
        var profit = new Dictionary<string, Dictionary<int, decimal>>(StringComparer.Ordinal);
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                var key = reader.GetString(0);
                if (!reader.IsDBNull(1))
                {
                    ValuesOf(observed, key)[reader.GetInt32(1)] = reader.GetInt32(2);
                }
                else
                {
                    ValuesOf(profit, key)[reader.GetInt32(3)] = reader.GetDecimal(4);
                }
            }
        }

        return observed.ToDictionary(
            o => o.Key,
            o => ProfitCurve.From(o.Value, profit.GetValueOrDefault(o.Key) ?? new Dictionary<int, decimal>()),
            StringComparer.Ordinal);
    }

    // The new customers' range is whole months of acquisition up to the reference day.
    private static bool WholeMonths(AnalyticsScope scope, SegmentQuery query) =>
        (query.From is null || query.From.Value.Day == 1)
        && (query.To >= scope.Reference || query.To.AddDays(1).Day == 1);

    // The group rollup holds the new customers' months when they are whole months, of the current
    // state or as of the last day of a month (every cell up to it is whole then, and the curves
    // stop at its month); spend, and so a CAC, exists only for everyone and per channel.
    private static bool CurvesFromCells(AnalyticsScope scope, SegmentQuery query) =>
        (scope.Cutoff is null || PeriodRollupCells.EndsPeriod(scope.Cutoff.Value, CalendarPeriod.Month)) && WholeMonths(scope, query);

    // The group rollup's cells hold everyone's and each channel's figures of the current state.
    private static bool CellsAnswer(AnalyticsScope scope, GroupSpec group, SegmentQuery query) =>
        group.By is "all" or "acquisitionChannel" && scope.Cutoff is null && WholeMonths(scope, query);

    // The same sums from the group rollup's cells: the customers' totals, new customers and lapses
    // from the month cells, the last complete period's activity and churn from its kind's, the
    // middle net revenues from the counts of customers per net revenue; and the active run's
    // predictions, summed per group from the predictions themselves (of the customers acquired by
    // then, for a past day's cells).
    private static async Task<Dictionary<string, GroupSums>> GroupSumsFromRollupAsync(
        NpgsqlConnection connection, AnalyticsScope scope, GroupSpec group, SegmentQuery query, PortfolioSettings settings, RollupCells cells, CancellationToken ct)
    {
        var key = group.By == "all" ? "'all'" : "channel";
        var (first, _) = CustomerActivity.LastCompletePeriod(scope.Reference, query.Period);
        var (previousFirst, _) = CustomerActivity.PreviousPeriod(first, query.Period);
        const string Acquired = AnalyticsScope.AcquiredDaySql;
        var newDay = (query.From is null ? "" : $"{Acquired} >= @new_first AND ") + $"{Acquired} <= @new_last";
        await using var command = new NpgsqlCommand($"""
            SELECT {key}, sum(members)::int, sum(repeat)::int, sum(gross_revenue - refunds), sum(purchases) <> 0 OR sum(refunds) <> 0,
                   coalesce(sum(lapsed) FILTER (WHERE churn_day <= @reference), 0)::int,
                   coalesce(sum(members) FILTER (WHERE cohort BETWEEN @cohort_first AND @cohort_last), 0)::int,
                   coalesce(sum(gross_revenue - refunds - cost) FILTER (WHERE cohort BETWEEN @cohort_first AND @cohort_last), 0)
            FROM {cells.Sql}
            WHERE period_kind = {PeriodRollups.Month}
            GROUP BY 1
            HAVING sum(members) <> 0;
            SELECT {key}, coalesce(sum(active) FILTER (WHERE period = @period), 0)::int, coalesce(sum(active) FILTER (WHERE period = @previous), 0)::int,
                   coalesce(sum(retained) FILTER (WHERE period = @period), 0)::int, coalesce(sum(at_risk) FILTER (WHERE period = @period), 0)::int,
                   coalesce(sum(churned) FILTER (WHERE period = @period), 0)::int
            FROM {cells.Sql}
            WHERE period_kind = @kind AND period IN (@period, @previous)
            GROUP BY 1;
            SELECT {(group.By == "all" ? "'all'" : $"coalesce(c.acquisition_channel, '{AnalyticsScope.Unattributed}')")},
                   count(p.predicted_clv)::int, coalesce(sum(p.predicted_clv), 0),
                   count(*) FILTER (WHERE p.predicted_clv IS NOT NULL AND p.probability_alive < @alive_threshold)::int,
                   coalesce(sum(p.predicted_clv) FILTER (WHERE {newDay}), 0),
                   count(p.predicted_clv) FILTER (WHERE {newDay})::int
            FROM customer_predictions p JOIN customers c ON c.id = p.customer_id
            WHERE p.run_id = @run {(cells.IsPastDay ? $"AND (c.acquired_at IS NULL OR {Acquired} <= @reference)" : "")}
            GROUP BY 1;
            {FormulaCellsSql(group, cells, acquiredBy: false)}
            """, connection);
        cells.AddParameters(command);
        command.Parameters.Add(new NpgsqlParameter("reference", scope.Reference));
        // New customers' cohorts: whole months (no acquisition is stored after tomorrow).
        command.Parameters.Add(new NpgsqlParameter("cohort_first", query.From ?? DateOnly.MinValue));
        command.Parameters.Add(new NpgsqlParameter("cohort_last", CalendarPeriods.Start(query.To, CalendarPeriod.Month)));
        command.Parameters.Add(new NpgsqlParameter("kind", PeriodRollups.KindOf(query.Period)));
        command.Parameters.Add(new NpgsqlParameter("period", DateOnly.FromDayNumber(first)));
        command.Parameters.Add(new NpgsqlParameter("previous", DateOnly.FromDayNumber(previousFirst)));
        command.Parameters.Add(new NpgsqlParameter("alive_threshold", NpgsqlDbType.Double) { Value = settings.AliveThreshold });
        command.Parameters.Add(new NpgsqlParameter<Guid?>("run", scope.ActiveRun));
        command.Parameters.Add(new NpgsqlParameter("zone", scope.TimeZone));
        AddNewParameters(command, query);
        AddFormulaParameters(command, scope.Reference, settings.ChurnWindowDays);
        var groups = new Dictionary<string, GroupSums>(StringComparer.Ordinal);
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                groups[reader.GetString(0)] = new GroupSums
                {
                    Customers = reader.GetInt32(1),
                    Repeat = reader.GetInt32(2),
                    Net = reader.GetBoolean(4) ? reader.GetDecimal(3) : 0m,
                    Churned = reader.GetInt32(5),
                    New = reader.GetInt32(6),
                    NewGrossProfit = reader.GetDecimal(7),
                };
            }

            await reader.NextResultAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                if (groups.TryGetValue(reader.GetString(0), out var sums))
                {
                    (sums.Active, sums.ActiveBefore, sums.Retained) = (reader.GetInt32(1), reader.GetInt32(2), reader.GetInt32(3));
                    (sums.AtRisk, sums.BecameChurned) = (reader.GetInt32(4), reader.GetInt32(5));
                }
            }

            await reader.NextResultAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                if (groups.TryGetValue(reader.GetString(0), out var sums))
                {
                    (sums.PredictedCount, sums.Predicted, sums.ModelChurned, sums.NewPredicted, sums.NewPredictedCount) =
                        (reader.GetInt32(1), reader.GetDecimal(2), reader.GetInt32(3), reader.GetDecimal(4), reader.GetInt32(5));
                }
            }

            await reader.NextResultAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                if (groups.TryGetValue(reader.GetString(0), out var sums))
                {
                    sums.Formula = ReadFormula(reader);
                }
            }
        }

        await MiddlesFromRollupAsync(connection, group.By == "all", groups, cells, ct);
        return groups;
    }

    // The middle net revenues, as percentile_disc(0.5) ascending and descending: the values at
    // rank ⌈n/2⌉ from the bottom and from the top, from the counts of customers per whole unit of
    // net revenue (kind 2, a few hundred per group) and, in the units that hold the ranks, per net
    // revenue. A past day's corrections' counts are added to both. The units' customers are read
    // from customer_summaries' index on (net_revenue, customer_id), each unit once for every group
    // whose rank it holds, each customer joined to their row for the channel: writers change a
    // summary and its unit's count in one transaction, so in this snapshot a unit holds exactly
    // the customers its count says. At ×40 a unit holds up to 55,000 customers, the middles' ones
    // far fewer (docs/read-model.md, "Medians").
    private static async Task MiddlesFromRollupAsync(NpgsqlConnection connection, bool all, Dictionary<string, GroupSums> groups, RollupCells cells, CancellationToken ct)
    {
        var counted = groups.Where(g => g.Value.Customers > 0).ToArray();
        if (counted.Length == 0)
        {
            return;
        }

        string GroupOf(string channel) => all ? "all" : channel;
        static void Add<TKey>(Dictionary<TKey, SortedDictionary<decimal, long>> counts, TKey key, decimal value, long members)
            where TKey : notnull
        {
            var values = counts.TryGetValue(key, out var kept) ? kept : counts[key] = [];
            values[value] = values.GetValueOrDefault(value) + members;
        }

        var units = new Dictionary<string, SortedDictionary<decimal, long>>(StringComparer.Ordinal);
        await using (var command = new NpgsqlCommand(
            $"SELECT {(all ? "'all'" : "channel")}, net_value, sum(members) FROM period_rollups WHERE period_kind = {PeriodRollups.ValueBuckets} GROUP BY 1, 2", connection))
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                Add(units, reader.GetString(0), reader.GetDecimal(1), reader.GetInt64(2));
            }
        }

        foreach (var (channel, unit, members) in cells.CorrectionCounts(PeriodRollups.ValueBuckets))
        {
            Add(units, GroupOf(channel), unit, members);
        }

        // Per group, the unit that holds each rank (⌈n/2⌉ from the bottom, and from the top), and the rank within it.
        var picks = new List<(GroupSums Sums, string Group, bool Upper, decimal Unit, long Rank)>();
        foreach (var (name, sums) in counted)
        {
            var lower = (sums.Customers + 1) / 2;
            foreach (var (upper, rank) in new[] { (false, (long)lower), (true, (long)(sums.Customers - lower + 1)) })
            {
                var (unit, below) = Holding(units[name], rank);
                picks.Add((sums, name, upper, unit, rank - below));
            }
        }

        // A unit whose customers all have one net revenue (a single price: everyone who bought
        // once at 9.99) holds it at every rank: its first and last entries in the index say so,
        // and it is not counted. A past day's corrections may hold other values in it.
        var exact = cells.CorrectionCounts(PeriodRollups.Values).ToList();
        var corrected = exact.Select(c => PeriodRollups.BucketOf(c.Value)).ToHashSet();
        var single = await SingleValuedUnitsAsync(connection, picks.Select(p => p.Unit).Distinct().Where(u => !corrected.Contains(u)).ToArray(), ct);
        var values = picks.Where(p => !single.ContainsKey(p.Unit)).Select(p => (p.Group, p.Unit)).Distinct()
            .ToDictionary(k => k, _ => new SortedDictionary<decimal, long>());
        if (values.Count > 0)
        {
            await using var command = new NpgsqlCommand($"""
                SELECT u.unit, {(all ? "'all'" : $"coalesce(c.acquisition_channel, '{AnalyticsScope.Unattributed}')")}, s.net_revenue, count(*)
                FROM unnest(@units) AS u(unit)
                CROSS JOIN LATERAL (
                    SELECT s.customer_id, s.net_revenue FROM customer_summaries s WHERE s.net_revenue >= u.unit AND s.net_revenue < u.unit + 1 OFFSET 0
                ) s
                {(all ? "" : "CROSS JOIN LATERAL (SELECT c.acquisition_channel FROM customers c WHERE c.id = s.customer_id OFFSET 0) c")}
                GROUP BY 1, 2, 3
                """, connection);
            command.Parameters.Add(new NpgsqlParameter("units", NpgsqlDbType.Array | NpgsqlDbType.Numeric) { Value = values.Keys.Select(k => k.Unit).Distinct().ToArray() });
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                var key = (reader.GetString(1), reader.GetDecimal(0));
                if (values.ContainsKey(key))
                {
                    Add(values, key, reader.GetDecimal(2), reader.GetInt64(3));
                }
            }
        }

        foreach (var (channel, value, members) in exact)
        {
            if (values.ContainsKey((GroupOf(channel), PeriodRollups.BucketOf(value))))
            {
                Add(values, (GroupOf(channel), PeriodRollups.BucketOf(value)), value, members);
            }
        }

        foreach (var (sums, name, upper, unit, rank) in picks)
        {
            var value = single.TryGetValue(unit, out var only) ? only : Holding(values[(name, unit)], rank).Key;
            if (upper)
            {
                sums.UpperMiddle = value;
            }
            else
            {
                sums.LowerMiddle = value;
            }
        }
    }

    // Of the units, those whose customers all have one net revenue, with it: two index probes each.
    private static async Task<Dictionary<decimal, decimal>> SingleValuedUnitsAsync(NpgsqlConnection connection, decimal[] units, CancellationToken ct)
    {
        var single = new Dictionary<decimal, decimal>();
        if (units.Length == 0)
        {
            return single;
        }

        await using var command = new NpgsqlCommand("""
            SELECT u.unit, lo.net_revenue
            FROM unnest(@units) AS u(unit)
            CROSS JOIN LATERAL (
                SELECT s.net_revenue FROM customer_summaries s WHERE s.net_revenue >= u.unit AND s.net_revenue < u.unit + 1 ORDER BY s.net_revenue LIMIT 1
            ) lo
            CROSS JOIN LATERAL (
                SELECT s.net_revenue FROM customer_summaries s WHERE s.net_revenue >= u.unit AND s.net_revenue < u.unit + 1 ORDER BY s.net_revenue DESC LIMIT 1
            ) hi
            WHERE lo.net_revenue = hi.net_revenue
            """, connection);
        command.Parameters.Add(new NpgsqlParameter("units", NpgsqlDbType.Array | NpgsqlDbType.Numeric) { Value = units });
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            single[reader.GetDecimal(0)] = reader.GetDecimal(1);
        }

        return single;
    }

    // The key of ascending counts that holds the rank (1-based), and how many the keys before it count.
    private static (decimal Key, long Below) Holding(SortedDictionary<decimal, long> counts, long rank)
    {
        var below = 0L;
        foreach (var (key, members) in counts)
        {
            if (below + members >= rank)
            {
                return (key, below);
            }

            below += members;
        }

        throw new InvalidOperationException($"Rank {rank} is beyond the {below} counted.");
    }

    // The same curves from the cells of the new customers' acquisition months: members per cohort
    // month (observed for the months from it to the reference day's), and gross profit per cohort
    // and month from the acquisition month to the reference day's.
    private static async Task<Dictionary<string, ProfitCurve>> ProfitCurvesFromRollupAsync(
        NpgsqlConnection connection, GroupSpec group, SegmentQuery query, DateOnly reference, string[] groups, RollupCells cells, CancellationToken ct)
    {
        var byChannel = group.By == "acquisitionChannel";
        var referenceMonth = CalendarPeriods.Start(reference, CalendarPeriod.Month);
        await using var command = new NpgsqlCommand($"""
            SELECT {(byChannel ? "channel" : "'all'")}, cohort, period, sum(members)::int, sum(gross_revenue - refunds - cost), sum(purchases) <> 0 OR sum(refunds) <> 0
            FROM {cells.Sql}
            WHERE period_kind = {PeriodRollups.Month} AND cohort BETWEEN @first AND @last AND period BETWEEN cohort AND @reference_month
              {(byChannel ? "AND channel = ANY(@groups)" : "")}
            GROUP BY 1, 2, 3
            """, connection);
        cells.AddParameters(command);
        command.Parameters.Add(new NpgsqlParameter("first", query.From is { } from ? from : DateOnly.MinValue));
        command.Parameters.Add(new NpgsqlParameter("last", query.To < referenceMonth ? CalendarPeriods.Start(query.To, CalendarPeriod.Month) : referenceMonth));
        command.Parameters.Add(new NpgsqlParameter("reference_month", referenceMonth));
        command.Parameters.Add(new NpgsqlParameter("groups", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = groups });
        var observed = new Dictionary<string, Dictionary<int, int>>(StringComparer.Ordinal);
        var profit = new Dictionary<string, Dictionary<int, decimal>>(StringComparer.Ordinal);
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                var key = reader.GetString(0);
                var cohort = MonthNumber(reader.GetFieldValue<DateOnly>(1));
                var month = MonthNumber(reader.GetFieldValue<DateOnly>(2)) - cohort;
                if (reader.GetInt32(3) is var members and not 0)
                {
                    var values = ValuesOf(observed, key);
                    var months = MonthNumber(reference) - cohort + 1;
                    values[months] = values.GetValueOrDefault(months) + members;
                }

                // Cells whose customers all moved away or were erased hold no day.
                if (reader.GetBoolean(5))
                {
                    var sums = ValuesOf(profit, key);
                    sums[month] = sums.GetValueOrDefault(month) + reader.GetDecimal(4);
                }
            }
        }

        return observed.ToDictionary(
            o => o.Key,
            o => ProfitCurve.From(o.Value, profit.GetValueOrDefault(o.Key) ?? new Dictionary<int, decimal>()),
            StringComparer.Ordinal);
    }

    private static Dictionary<int, T> ValuesOf<T>(Dictionary<string, Dictionary<int, T>> byGroup, string key) =>
        byGroup.TryGetValue(key, out var values) ? values : byGroup[key] = new Dictionary<int, T>();

    // Acquired in the query's range, as SQL over grouped rows t.
    private static string NewSql(string t, SegmentQuery query) =>
        (query.From is null ? "" : $"{t}.acquired_day >= @new_first AND ") + $"{t}.acquired_day <= @new_last";

    private static void AddNewParameters(NpgsqlCommand command, SegmentQuery query)
    {
        if (query.From is { } from)
        {
            command.Parameters.Add(new NpgsqlParameter("new_first", from));
        }

        command.Parameters.Add(new NpgsqlParameter("new_last", query.To));
    }

    // Months since the start of year 0 of a date, as SQL; consecutive months differ by 1.
    private static string MonthSql(string day) => $"(extract(year FROM {day})::int * 12 + extract(month FROM {day})::int - 1)";

    private static int MonthNumber(DateOnly day) => (day.Year * 12) + day.Month - 1;

    // One group's sums, as the database returns them, with the two middle historical CLVs.
    private sealed class GroupSums : SegmentSums
    {
        public decimal LowerMiddle { get; set; }

        public decimal UpperMiddle { get; set; }
    }

    // A group's new customers' gross profit per month since acquisition, and how many of them were
    // observed for exactly k + 1 months (ObservedFor[k]); both as long as the longest observed.
    private sealed class ProfitCurve(decimal[] monthProfit, int[] observedFor)
    {
        public static ProfitCurve Empty { get; } = new([], []);

        public static ProfitCurve From(Dictionary<int, int> observed, Dictionary<int, decimal> profit)
        {
            var months = observed.Keys.Max();
            var observedFor = new int[months];
            var monthProfit = new decimal[months];
            foreach (var (k, customers) in observed)
            {
                observedFor[k - 1] = customers;
            }

            foreach (var (m, p) in profit)
            {
                monthProfit[m] = p;
            }

            return new ProfitCurve(monthProfit, observedFor);
        }

        // The payback month of the curve, and how many months were observed.
        public (int? Months, int Observed) Payback(decimal cac) => Clv.Analytics.Portfolio.Payback.Months(monthProfit, observedFor, cac);
    }
}

/// <summary>A per-customer figure two groups are compared on (<see cref="SegmentQueries.SamplesAsync"/>).</summary>
public enum CustomerFigure
{
    /// <summary>Historical CLV: net revenue to the as-of day.</summary>
    HistoricalClv,

    /// <summary>The active model run's predicted CLV; customers without a prediction are left out.</summary>
    PredictedClv,

    /// <summary>Net revenue (purchases − refunds) to the as-of day: historical CLV by its other name.</summary>
    NetRevenue,

    /// <summary>Purchases to the as-of day.</summary>
    PurchaseCount,

    /// <summary>The customer's gross revenue ÷ purchases; customers without a purchase are left out.</summary>
    AverageOrderValue,

    /// <summary>1 when active in the last complete period, of the customers active in the one before; others are left out.</summary>
    Retained,

    /// <summary>1 with at least two purchase days, else 0.</summary>
    RepeatPurchase,

    /// <summary>1 when churned at the as-of day (no purchase or acquisition for the churn window), else 0.</summary>
    Churned,

    /// <summary>The customer's latest NPS answer (0..10) as of the as-of day; customers without one are left out.</summary>
    Nps,
}

/// <summary>One group's customers and the sample of a per-customer figure over them.</summary>
/// <param name="Members">Customers of the group, counted or not.</param>
/// <param name="N">Customers with the figure, among those counted.</param>
/// <param name="Mean">The figure's mean; null without any.</param>
/// <param name="StandardDeviation">Its sample standard deviation (over n − 1); null below 2.</param>
/// <param name="Successes">Customers whose figure is 1: a rate's successes.</param>
/// <param name="Nps">For NPS, the latest answers by class.</param>
public sealed record FigureSample(long Members, long N, double? Mean, double? StandardDeviation, long Successes, NpsCounts Nps);
