using Clv.Analytics.Cohorts;
using Clv.Data.Feedback;
using Npgsql;

namespace Clv.Data.Analytics.ReadModel;

/// <summary>
/// What an analytics answer covers, as SQL: the customers it counts, each with their totals as
/// they stood at the cutoff and the key of their group. Every analytics query starts from
/// <see cref="With"/> and aggregates its <c>grouped</c> rows, so that each figure is computed
/// set-based in PostgreSQL from the rollups, per customer and then per group: a query that
/// Citus can push down to the shards (grouped by customer first) and combine from partial
/// aggregates.
/// </summary>
/// <param name="Cutoff">The last day whose rows count; null for every row (the current state).</param>
/// <param name="Reference">The day recency and churn are measured to: the cutoff, or today without one.</param>
/// <param name="TimeZone">The reporting time zone acquisition days are taken in (customer days already are).</param>
/// <param name="ActiveRun">The active model run, whose predictions the answer shows; null without one.</param>
public sealed record AnalyticsScope(DateOnly? Cutoff, DateOnly Reference, string TimeZone, Guid? ActiveRun)
{
    /// <summary>The key of customers without an acquisition channel.</summary>
    public const string Unattributed = "unattributed";

    /// <summary>The key of customers without a value of what they are grouped by.</summary>
    public const string Unknown = "unknown";

    /// <summary>The default of <see cref="MostCorrected"/>.</summary>
    public const int DefaultMostCorrected = 50_000;

    /// <summary>
    /// As of a past day, the most customers whose state then differs from their state now that the
    /// group rollup's cells are corrected for (<see cref="RollupCells"/>): beyond, each question
    /// reads the customers' totals and days instead. It bounds what one answer holds and how long
    /// its correction takes: about 30 µs per customer who bought recently at CDNOW ×40 (0.27 s for
    /// 10,000, 0.9 s for 28,000, 1.7 s for 60,000), while the days' answers took 4–6 s as of a
    /// month's last day and 9–21 s as of another day (docs/benchmarks.md).
    /// </summary>
    public int MostCorrected { get; init; } = DefaultMostCorrected;

    /// <summary>
    /// <c>WITH customer_totals AS (…), grouped AS (…)</c>, to be followed by a query over
    /// <c>grouped</c>. Each row of <c>grouped</c> is one customer acquired by the cutoff (or
    /// without an acquisition date), with:
    /// <list type="bullet">
    /// <item><c>customer_id</c>, <c>acquired_day</c> (date in the reporting zone, or null),
    /// <c>acquisition_channel</c> (<c>unattributed</c> without one) and the grouping's key columns
    /// (<see cref="GroupSpec.KeyColumnsSql"/>: <c>group_key</c>, or for tiers and RFM segments asked
    /// together <c>tier_key</c> and <c>rfm_key</c>; text);</item>
    /// <item>their totals over days up to the cutoff: <c>purchase_days</c>, <c>purchase_count</c>,
    /// <c>gross_revenue</c>, <c>net_revenue</c> (purchases − refunds), <c>known_cost</c> (0 without
    /// cost), <c>first_purchase_day</c> and <c>last_purchase_day</c> (null without a purchase);</item>
    /// <item>the active run's <c>predicted_clv</c> and <c>probability_alive</c> (null without a
    /// prediction or a run).</item>
    /// </list>
    /// Its parameters are added to <paramref name="command"/>.
    /// </summary>
    /// <param name="group">How the customers are grouped.</param>
    /// <param name="command">The command the SQL is for.</param>
    /// <param name="columns">The columns of <c>customer_totals</c> that <c>grouped</c> keeps
    /// (<c>t.customer_id, t.net_revenue</c>, say); all of them when null. A query that reads
    /// <c>grouped</c> more than once gets it written out once: the fewer columns, the less copied.</param>
    /// <param name="profiles">
    /// Whether the rows are read with the customers' profiles, joined. Without them (false, and a
    /// grouping that reads none: <see cref="GroupSpec.ReadsProfiles"/>), the rows come from the
    /// summaries alone, which every customer has: they have no <c>acquisition_channel</c>,
    /// <c>country</c> and <c>attributes</c>, and each row's <c>acquired_day</c> is looked up only
    /// where the query reads it, one customer at a time. So a query that reads the acquisition day
    /// of every customer passes true. Without the join, the dashboard's tiers and RFM segments at
    /// CDNOW ×40 took half the time (docs/benchmarks.md).
    /// </param>
    public string With(GroupSpec group, NpgsqlCommand command, string? columns = null, bool profiles = true)
    {
        ArgumentNullException.ThrowIfNull(group);
        ArgumentNullException.ThrowIfNull(command);
        command.Parameters.Add(new NpgsqlParameter("zone", TimeZone));
        command.Parameters.Add(new NpgsqlParameter("reference", Reference));
        command.Parameters.Add(new NpgsqlParameter<Guid?>("run", ActiveRun));
        if (Cutoff is { } cutoff)
        {
            command.Parameters.Add(new NpgsqlParameter("cutoff", cutoff));
        }

        group.AddParameters(command);
        // By NPS class: each customer's latest NPS answer as of the cutoff.
        var npsJoin = "";
        if (group.By == GroupSpec.NpsClass)
        {
            FeedbackSql.AddParameters(command, null, Cutoff);
            npsJoin = $"LEFT JOIN ({FeedbackSql.LatestSql(FeedbackKind.Nps)}) {GroupSpec.LatestNps} ON {GroupSpec.LatestNps}.customer_id = t.customer_id";
        }
        else if (group.By == GroupSpec.Plan)
        {
            // By plan: the plan of each customer's latest-started subscription as of the reference day.
            npsJoin = $"LEFT JOIN ({GroupSpec.LatestPlanSql}) {GroupSpec.LatestPlan} ON {GroupSpec.LatestPlan}.customer_id = t.customer_id";
        }

        return $"""
            WITH customer_totals AS (
                {(profiles || group.ReadsProfiles
                    ? Cutoff is null ? CurrentTotals : TotalsAtCutoff
                    : Cutoff is null ? CurrentSummaryTotals : SummaryTotalsAtCutoff)}
            ),
            grouped AS (
                {group.GroupedSql("t", "customer_totals", npsJoin, columns)}
            )

            """;
    }

    /// <summary>The acquisition day of customers <c>c</c> in the reporting zone, as SQL.</summary>
    public const string AcquiredDaySql = "(c.acquired_at AT TIME ZONE @zone)::date";

    // A customer c's columns with their totals (total(column): 0 and null without one) and prediction p.
    private static string TotalsColumns(Func<string, string> total) => $"""
        SELECT c.id AS customer_id, {AcquiredDaySql} AS acquired_day,
               coalesce(c.acquisition_channel, '{Unattributed}') AS acquisition_channel,
               coalesce(c.country::text, '{Unknown}') AS country, c.attributes,
               {Totals(total)}
        """;

    // A customer's totals (total(column)) and prediction p, as columns.
    private static string Totals(Func<string, string> total) => $"""
        coalesce({total("purchase_days")}, 0) AS purchase_days, coalesce({total("purchase_count")}, 0) AS purchase_count,
               coalesce({total("gross_revenue")}, 0) AS gross_revenue, coalesce({total("net_revenue")}, 0) AS net_revenue,
               coalesce({total("known_cost")}, 0) AS known_cost, {total("first_purchase_day")} AS first_purchase_day,
               {total("last_purchase_day")} AS last_purchase_day,
               p.predicted_clv, p.probability_alive

        """;

    // The summaries are every transaction's totals, kept by ingest: the current state reads no day.
    private static readonly string CurrentTotals = TotalsColumns(column => $"s.{column}") + """
        FROM customers c
        LEFT JOIN customer_summaries s ON s.customer_id = c.id
        LEFT JOIN customer_predictions p ON p.customer_id = c.id AND p.run_id = @run
        """;

    // As the summaries, of the customers acquired by then, from their days up to the cutoff. A
    // customer whose summary shows no purchase after the cutoff and no refund has no day after it
    // (a day without a purchase holds a refund), so their summary s holds their totals at the
    // cutoff; only the others' days d are summed, one range of the (customer_id, day) key each.
    // So as of the latest purchase day of a book without refunds no day is read. The two kinds
    // are two branches of a UNION ALL, each customer in exactly one (a customer without a summary
    // in the first, with zeros). As one statement, every customer's row was hashed for a join that
    // matched few, and the grouping above was planned as a sort: 20–40% of the dashboard's tiers
    // and RFM segments statement as of a past day at CDNOW ×40 (docs/benchmarks.md). Both branches
    // put customer_id first and join on it, as Citus needs to push a UNION ALL down.
    private static readonly string TotalsAtCutoff = TotalsColumns(column => $"s.{column}") + $"""
        FROM customers c
        LEFT JOIN customer_summaries s ON s.customer_id = c.id
        LEFT JOIN customer_predictions p ON p.customer_id = c.id AND p.run_id = @run
        WHERE ({AcquiredByCutoffSql}) AND NOT coalesce({DaysAfterCutoffSql}, false)
        UNION ALL

        """ + TotalsColumns(column => $"d.{column}") + DaysUpToCutoff;

    // The customers who may have a day after the cutoff, acquired by it, with their prediction p and
    // their totals d over their days up to the cutoff: the second branch of TotalsAtCutoff and
    // SummaryTotalsAtCutoff.
    private const string DaysUpToCutoff = $"""
        FROM customer_summaries s
        JOIN customers c ON c.id = s.customer_id
        LEFT JOIN customer_predictions p ON p.customer_id = c.id AND p.run_id = @run
        LEFT JOIN (
            SELECT d.customer_id,
                   count(*) FILTER (WHERE d.purchase_count > 0)::int AS purchase_days,
                   sum(d.purchase_count)::int AS purchase_count,
                   sum(d.gross_revenue) AS gross_revenue,
                   sum(d.gross_revenue - d.refunds) AS net_revenue,
                   sum(d.cost) AS known_cost,
                   min(d.day) FILTER (WHERE d.purchase_count > 0) AS first_purchase_day,
                   max(d.day) FILTER (WHERE d.purchase_count > 0) AS last_purchase_day
            FROM customer_summaries s
            JOIN customer_days d ON d.customer_id = s.customer_id AND d.day <= @cutoff
            WHERE {DaysAfterCutoffSql}
            GROUP BY d.customer_id
        ) d ON d.customer_id = s.customer_id
        WHERE ({DaysAfterCutoffSql}) AND ({AcquiredByCutoffSql})
        """;

    // The rows without the profiles (With's profiles): a customer's summary s, with their totals
    // (total(column)), their acquisition day looked up where it is read, and prediction p. Each
    // customer has a summary row from their creation on (CustomerWriter, TransactionWriter), so
    // the summaries alone are every customer.
    private static string SummaryColumns(Func<string, string> total, string acquiredDay) => $"""
        SELECT s.customer_id, {acquiredDay} AS acquired_day,
               {Totals(total)}
        """;

    // A summary s's acquisition day, as a subquery: PostgreSQL runs it only for rows whose
    // acquired_day a query reads.
    private const string AcquiredDayOfSummarySql = $"(SELECT {AcquiredDaySql} FROM customers c WHERE c.id = s.customer_id)";

    private static readonly string CurrentSummaryTotals = SummaryColumns(column => $"s.{column}", AcquiredDayOfSummarySql) + """
        FROM customer_summaries s
        LEFT JOIN customer_predictions p ON p.customer_id = s.customer_id AND p.run_id = @run
        """;

    // As TotalsAtCutoff, from the summaries: the customers acquired after the cutoff, few as of a
    // recent day, are found along the acquisition index and left out (an anti-join), instead of
    // every customer's profile being hashed for a join.
    private static readonly string SummaryTotalsAtCutoff = SummaryColumns(column => $"s.{column}", AcquiredDayOfSummarySql) + $"""
        FROM customer_summaries s
        LEFT JOIN customer_predictions p ON p.customer_id = s.customer_id AND p.run_id = @run
        WHERE NOT EXISTS (
                SELECT FROM customers c
                WHERE c.id = s.customer_id AND c.acquired_at >= (@cutoff::timestamp AT TIME ZONE @zone) AND {AcquiredDaySql} > @cutoff)
          AND NOT coalesce({DaysAfterCutoffSql}, false)
        UNION ALL

        """ + SummaryColumns(column => $"d.{column}", AcquiredDaySql) + DaysUpToCutoff;

    private const string AcquiredByCutoffSql = $"c.acquired_at IS NULL OR {AcquiredDaySql} <= @cutoff";

    // Whether the customer of summary s may have a day after the cutoff: a purchase after it, or a
    // refund ever (a refund can fall on a day without a purchase). Null, not false, for a customer
    // without a purchase or refund, which a WHERE drops alike: written bare, PostgreSQL looks the
    // few up along the summaries' indexes (last purchase day, refunders). Wrapped in a coalesce,
    // it hashed every customer to find them, and ran the union apart from its parallel plan: the
    // dashboard's tiers and RFM statement as of the latest purchase day at CDNOW x40 took 2.0-3.2 s
    // against 1.6-1.7 s (docs/benchmarks.md).
    private const string DaysAfterCutoffSql = "s.last_purchase_day > @cutoff OR s.refunds <> 0";
}

/// <summary>
/// How an answer groups the customers, as the API's <c>by</c> names it: <c>all</c> (one group),
/// <c>acquisitionChannel</c>, <c>country</c>, <c>cohort</c>, <c>rfmSegment</c>, <c>clvTier</c>, <c>npsClass</c>, <c>plan</c> or
/// <c>attribute:{key}</c>; or <see cref="TiersAndRfm"/>, both value groupings at once.
/// </summary>
/// <param name="By">The grouping.</param>
/// <param name="CohortPeriod">The period of cohorts, for <c>cohort</c>.</param>
/// <param name="Rankings">The RFM thresholds and CLV tier boundaries, for <c>rfmSegment</c> and <c>clvTier</c>.</param>
public sealed record GroupSpec(string By, CalendarPeriod CohortPeriod = CalendarPeriod.Month, Rankings? Rankings = null)
{
    private const string AttributePrefix = "attribute:";

    /// <summary>The grouping by the class of each customer's latest NPS answer (<see cref="FeedbackSql.Classes"/>).</summary>
    public const string NpsClass = "npsClass";

    /// <summary>The alias, in <see cref="AnalyticsScope.With"/>, of each customer's latest NPS answer.</summary>
    internal const string LatestNps = "latest_nps";

    /// <summary>The grouping by the plan of each customer's latest-started subscription as of the reference day (<see cref="NoPlan"/> without one).</summary>
    public const string Plan = "plan";

    /// <summary>The plan group of customers without a subscription started by the reference day.</summary>
    public const string NoPlan = "none";

    /// <summary>The alias, in <see cref="AnalyticsScope.With"/>, of each customer's latest-started subscription.</summary>
    internal const string LatestPlan = "latest_plan";

    /// <summary>
    /// Each customer's latest-started subscription (<c>customer_id</c>, <c>plan</c>) among those started on or before
    /// <c>@reference</c> (in the reporting zone <c>@zone</c>); the greater external id on a tie. Grouped by customer,
    /// as the table is distributed.
    /// </summary>
    internal const string LatestPlanSql = """
        SELECT DISTINCT ON (s.customer_id) s.customer_id, s.plan
        FROM subscriptions s
        WHERE (s.started_at AT TIME ZONE @zone)::date <= @reference
        ORDER BY s.customer_id, s.started_at DESC, s.external_id DESC
        """;

    /// <summary>Everyone in one group, <c>all</c>.</summary>
    public static GroupSpec All { get; } = new("all");

    /// <summary>
    /// CLV tiers and RFM segments in one answer: each customer is in one group of each, keyed
    /// <c>clvTier:{tier}</c> and <c>rfmSegment:{segment}</c> (<see cref="Part"/>). A dashboard asks
    /// for both at once; computed together, the per-customer work (totals, the last periods' days,
    /// the formula CLV's alive spells) is done once for the two.
    /// </summary>
    public const string TiersAndRfm = "clvTier,rfmSegment";

    /// <summary>
    /// The grouping a group key belongs to (<c>clvTier</c> of <c>clvTier:top1</c>) and its key
    /// within it, for <see cref="TiersAndRfm"/>; otherwise this grouping and the key as it is.
    /// </summary>
    public (string By, string Key) Part(string groupKey)
    {
        ArgumentNullException.ThrowIfNull(groupKey);
        var colon = By == TiersAndRfm ? groupKey.IndexOf(':', StringComparison.Ordinal) : -1;
        return colon < 0 ? (By, groupKey) : (groupKey[..colon], groupKey[(colon + 1)..]);
    }

    /// <summary>
    /// The rows of <c>grouped</c>: each row t of <paramref name="rows"/> with its group's key:
    /// <c>group_key</c>; for <see cref="TiersAndRfm"/>, <c>tier_key</c> and <c>rfm_key</c>, the
    /// tier's and the segment's numbers (<see cref="Rankings.TierCodeSql"/>), which a query reads
    /// through <see cref="KeyColumnsSql"/>, <see cref="KeysSql"/>, <see cref="SelectKeySql"/> and
    /// <see cref="GroupBySql"/>, and which only those name.
    /// </summary>
    internal string GroupedSql(string t, string rows, string joins, string? columns = null) => By == TiersAndRfm
        ? $"""
            SELECT {columns ?? $"{t}.*"}, {RankingsOrThrow.TierCodeSql(t)} AS tier_key, {RankingsOrThrow.SegmentCodeSql(t)} AS rfm_key
            FROM {rows} {t}
            {joins}
            """
        : $"""
            SELECT {columns ?? $"{t}.*"}, {KeySql(t)} AS group_key
            FROM {rows} {t}
            {joins}
            """;

    /// <summary>The key columns of a row <paramref name="g"/> of <c>grouped</c>, as a select list.</summary>
    internal string KeyColumnsSql(string g) => By == TiersAndRfm ? $"{g}.tier_key, {g}.rfm_key" : $"{g}.group_key";

    /// <summary>The keys of a row <paramref name="g"/> of <c>grouped</c>, one row each: a lateral <c>VALUES</c>, its column the group key.</summary>
    internal string KeysSql(string g) => By == TiersAndRfm ? $"(VALUES ({TierKeySql(g)}), ({RfmKeySql(g)}))" : $"(VALUES ({g}.group_key))";

    /// <summary>
    /// The key of the group a row <paramref name="c"/> is summed in, in a query grouped by
    /// <see cref="GroupBySql"/>: for <see cref="TiersAndRfm"/>, <c>clvTier:{tier}</c> or
    /// <c>rfmSegment:{segment}</c>, as the row's grouping set has it.
    /// </summary>
    internal string SelectKeySql(string c) => By == TiersAndRfm ? $"coalesce({TierKeySql(c)}, {RfmKeySql(c)})" : $"{c}.group_key";

    // The group keys of a row's tier and segment numbers; null for null.
    private static string TierKeySql(string c) => $"'clvTier:' || (@tier_keys::text[])[{c}.tier_key]";

    private static string RfmKeySql(string c) => $"'rfmSegment:' || (@rfm_keys::text[])[{c}.rfm_key]";

    /// <summary>
    /// What a query over rows <paramref name="c"/> groups by: the group key; for
    /// <see cref="TiersAndRfm"/>, two grouping sets, so that each customer row is summed once in
    /// its tier and once in its segment. Two sorts of the rows (by numbers) cost a third of one
    /// sort of each row twice, keyed by its grouping's name.
    /// </summary>
    internal string GroupBySql(string c) => By == TiersAndRfm ? $"GROUPING SETS (({c}.tier_key), ({c}.rfm_key))" : $"{c}.group_key";

    private Rankings RankingsOrThrow => Rankings ?? throw new InvalidOperationException($"{By} needs rankings.");

    /// <summary>
    /// Whether the group key reads the customers' profiles: their acquisition channel, country,
    /// acquisition day (cohorts) or attributes (<see cref="KeySql"/>).
    /// </summary>
    public bool ReadsProfiles => By is "acquisitionChannel" or "country" or "cohort" || AttributeKey is not null;

    /// <summary>The attribute's key for <c>attribute:{key}</c>; null otherwise.</summary>
    public string? AttributeKey => By.StartsWith(AttributePrefix, StringComparison.Ordinal) ? By[AttributePrefix.Length..] : null;

    /// <summary>The group key of a row <paramref name="t"/> of <c>customer_totals</c>, as SQL.</summary>
    public string KeySql(string t) => By switch
    {
        "all" => "'all'",
        "acquisitionChannel" => $"{t}.acquisition_channel",
        "country" => $"{t}.country",
        "cohort" => $"coalesce({CohortLabelSql($"{t}.acquired_day", CohortPeriod)}, '{AnalyticsScope.Unknown}')",
        "rfmSegment" => RankingsOrThrow.SegmentSql(t),
        "clvTier" => RankingsOrThrow.TierSql(t),
        NpsClass => FeedbackSql.ClassSql($"{LatestNps}.score"),
        Plan => $"coalesce({LatestPlan}.plan, '{NoPlan}')",
        _ when AttributeKey is not null => $"coalesce({t}.attributes ->> @attribute, '{AnalyticsScope.Unknown}')",
        _ => throw new ArgumentException($"Unknown grouping {By}."),
    };

    /// <summary>The label (<c>1997-01</c>, <c>1997-Q1</c>, <c>1997</c>) of the period holding a date, as SQL; null for null.</summary>
    public static string CohortLabelSql(string day, CalendarPeriod period) => period switch
    {
        CalendarPeriod.Quarter => $"to_char({day}, 'YYYY-\"Q\"Q')",
        CalendarPeriod.Year => $"to_char({day}, 'YYYY')",
        _ => $"to_char({day}, 'YYYY-MM')",
    };

    /// <summary>The first day of the period holding a date, as SQL.</summary>
    public static string PeriodStartSql(string day, CalendarPeriod period) => period switch
    {
        CalendarPeriod.Quarter => $"date_trunc('quarter', {day}::timestamp)::date",
        CalendarPeriod.Year => $"date_trunc('year', {day}::timestamp)::date",
        _ => $"date_trunc('month', {day}::timestamp)::date",
    };

    internal void AddParameters(NpgsqlCommand command)
    {
        if (AttributeKey is { } key)
        {
            command.Parameters.Add(new NpgsqlParameter("attribute", key));
        }

        if (By is "rfmSegment" or "clvTier" or TiersAndRfm)
        {
            RankingsOrThrow.AddParameters(command);
        }
    }
}
