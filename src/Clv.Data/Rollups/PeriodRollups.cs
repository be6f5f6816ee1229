using System.Runtime.InteropServices;
using Clv.Data.Analytics.ReadModel;
using Clv.Data.Infrastructure;
using Npgsql;
using NpgsqlTypes;

namespace Clv.Data.Rollups;

/// <summary>
/// The group rollup <c>period_rollups</c>: per acquisition channel, calendar period kind (month,
/// quarter, year), acquisition cohort and period, the customers acquired (<c>members</c>, on the
/// cohort's own period), those active (a purchase in the period), those also active in the period
/// before (<c>retained</c>), those whose last purchase falls in it, and the period's purchases,
/// revenue, refunds and cost; and the latest day any of it happened on (<c>max_day</c>, an upper
/// bound: subtracting leaves it), so that readers know when a cell holds days after today. Cohorts and most time series read these cells, a few thousand rows,
/// instead of every customer's days (docs/read-model.md).
/// </summary>
/// <remarks>
/// <para>
/// The table is append-only: every write that changes a customer's days, channel or acquisition
/// inserts the difference it makes, as rows of deltas, and readers sum them per cell. No row is
/// ever updated, so concurrent writers never wait for each other on a shared counter, and a long
/// atomic import holds no row another writer needs. <see cref="CompactAsync"/> folds the deltas
/// into one row per cell, in bounded steps, in the background.
/// </para>
/// <para>
/// A writer takes the difference per customer: it subtracts the customer's whole contribution,
/// computed from their days, before it changes them, and adds it again after, under the lock of
/// the customer's summary row, which every writer of that customer takes first. Both are computed
/// in the API from the customer's days (<see cref="PeriodContributions"/>) and netted per cell, so
/// only the cells the write changed get a row. The distinct counts
/// are exact because each customer's periods are counted once, from their own days, and never by
/// a scan of everyone's.
/// </para>
/// <para>
/// While the rollup is being built (after the migration that added it, or after a change of the
/// reporting time zone), only the customers up to <see cref="RollupState.PeriodRollupsThrough"/>
/// are maintained by writers, the builder adds the rest, and readers use the days instead.
/// </para>
/// </remarks>
public sealed class PeriodRollups
{
    /// <summary>The period kinds, as stored: months per period.</summary>
    public const short Month = 1, Quarter = 3, Year = 12;

    /// <summary>
    /// The kind of the counts of customers per net revenue, which a past day's corrections hold
    /// (<see cref="StagedValueCounts"/>) and the table does not: a median's walk reads the net
    /// revenues within one unit from <c>customer_summaries</c>' index on them (migration
    /// <c>PeriodRollupValuesFromSummaries</c>, docs/read-model.md).
    /// </summary>
    public const short Values = 0;

    /// <summary>
    /// The kind of the rows that count customers per whole unit of net revenue (<c>net_value</c> is
    /// the unit's floor, <see cref="BucketOf"/>): a median's walk sums these to find the unit that
    /// holds its rank, then walks only that unit's net revenues.
    /// </summary>
    public const short ValueBuckets = 2;

    /// <summary>Every kind stored, each in a partition of its own; the most read first.</summary>
    public static IReadOnlyList<short> Kinds { get; } = [Month, Quarter, Year, ValueBuckets];

    /// <summary>The bucket of a net revenue (kind <see cref="ValueBuckets"/>): its floor, as SQL's <c>floor(numeric)</c> gives it.</summary>
    public static decimal BucketOf(decimal net) => decimal.Floor(net);

    private readonly long? _through;
    private readonly string _zone;
    private readonly PeriodContributions _staged;
    private TimeZoneInfo? _timeZone;

    private PeriodRollups(long? through, string zone, int window) =>
        (_through, _zone, _staged) = (through, zone, new PeriodContributions(window));

    /// <summary>The kind stored for a calendar period.</summary>
    public static short KindOf(Clv.Analytics.Cohorts.CalendarPeriod period) => period switch
    {
        Clv.Analytics.Cohorts.CalendarPeriod.Quarter => Quarter,
        Clv.Analytics.Cohorts.CalendarPeriod.Year => Year,
        _ => Month,
    };

    /// <summary>
    /// The maintenance of this transaction: which customers the rollup holds, the zone it counts
    /// acquisition days in, and the churn window of its spells (none set: it holds no customer
    /// until it is built for one). Call it after taking the writers' shared lock
    /// (<see cref="Customers.CustomerErasure"/>), which the builder takes alone: the two then
    /// stay as read for the whole transaction.
    /// </summary>
    public static async Task<PeriodRollups> OpenAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(
            "SELECT period_rollups_through, coalesce(rebuilding_to, time_zone), period_rollups_window FROM rollup_state WHERE id = 1", connection);
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct) || reader.IsDBNull(2))
        {
            return new PeriodRollups(0, "UTC", 0);
        }

        return new PeriodRollups(reader.IsDBNull(0) ? null : reader.GetInt64(0), reader.GetString(1), reader.GetInt32(2));
    }

    /// <summary>
    /// Stages the contributions of customers as they stand now, from their stored profile and every
    /// stored day of theirs: <paramref name="sign"/> −1 before a write changes them, 1 after it. The
    /// two net out per cell in <see cref="WriteStagedAsync"/>, so a write adds rows only for the
    /// cells it changed. A customer named twice is staged once.
    /// </summary>
    internal Task StageStoredAsync(NpgsqlConnection connection, IEnumerable<long> customers, int sign, CancellationToken ct) =>
        ReadStoredAsync(connection, customers, (id, channel, acquiredAt, days) => Stage(id, channel, acquiredAt, CollectionsMarshal.AsSpan(days), sign), ct);

    /// <summary>
    /// Stages the move of customers to another acquisition time, from one read of their stored
    /// profile and days: their contribution as they stand taken back, and the one of the same
    /// channel and days at <paramref name="acquiredAt"/> added (the caller stores the new time).
    /// </summary>
    internal Task StageAcquisitionMovesAsync(NpgsqlConnection connection, IReadOnlyDictionary<long, DateTimeOffset?> acquiredAt, CancellationToken ct) =>
        ReadStoredAsync(
            connection,
            acquiredAt.Keys,
            (id, channel, before, days) =>
            {
                Stage(id, channel, before, CollectionsMarshal.AsSpan(days), -1);
                Stage(id, channel, acquiredAt[id], CollectionsMarshal.AsSpan(days));
            },
            ct);

    /// <summary>
    /// Stages, for each of <paramref name="customers"/>, their contribution as they stand now taken
    /// back, and the one of their profile and days up to <paramref name="cutoff"/> added, unless
    /// they were acquired after it. With every customer who has a day after the cutoff, or was
    /// acquired after it, among them, the table's rows and the staged ones
    /// (<see cref="AddStagedRows"/>) sum to the cells of the book as it stood at the end of that
    /// day: everyone else's contribution is the same then and now.
    /// </summary>
    internal Task StageAsOfAsync(NpgsqlConnection connection, IEnumerable<long> customers, DateOnly cutoff, CancellationToken ct) =>
        ReadStoredAsync(
            connection,
            customers,
            (_, channel, acquiredAt, days) =>
            {
                var acquired = AcquiredDay(acquiredAt);
                var all = CollectionsMarshal.AsSpan(days);
                _staged.Add(PeriodContributions.ChannelOf(channel), acquired, all, -1, exactValues: true);
                if (!(acquired > cutoff))
                {
                    // The days come in date order: those up to the cutoff are the first ones.
                    var after = days.FindIndex(d => d.Date > cutoff);
                    _staged.Add(PeriodContributions.ChannelOf(channel), acquired, after < 0 ? all : all[..after], exactValues: true);
                }
            },
            ct);

    /// <summary>Adds the staged contributions to a command that reads them beside the table (<see cref="PeriodContributions.RowsSql"/>).</summary>
    internal void AddStagedRows(NpgsqlCommand command) => _staged.AddRowParameters(command);

    /// <summary>The staged counts of customers per net revenue or per unit of it (<see cref="PeriodContributions.ValueCounts"/>).</summary>
    internal IEnumerable<(string Channel, decimal Value, int Members)> StagedValueCounts(short kind) => _staged.ValueCounts(kind);

    // Reads the stored profile and days of customers up to the rollup's reach, and hands each
    // customer's, their days in date order, to stage; a customer named twice is read once.
    private async Task ReadStoredAsync(
        NpgsqlConnection connection, IEnumerable<long> customers, Action<long, string?, DateTimeOffset?, List<RollupWriter.Day>> stage, CancellationToken ct)
    {
        // In id order, so that neighbouring customers' index and table pages are read together:
        // 28,000 customers' days at ×40 took 0.24–0.27 s instead of 0.37–0.62 s in a set's order.
        var ids = (_through is { } through ? customers.Where(id => id <= through) : customers).Distinct().Order().ToArray();
        if (ids.Length == 0)
        {
            return;
        }

        // One index lookup per customer, then their days in date order (the primary key's), each
        // customer's rows together: the lateral joins run as nested loops in the ids' order.
        await using var command = new NpgsqlCommand("""
            SELECT c.id, c.acquisition_channel, c.acquired_at, d.day, d.purchase_count, d.refund_count, d.gross_revenue, d.refunds, d.cost
            FROM unnest(@ids) AS i(id)
            CROSS JOIN LATERAL (SELECT c.id, c.acquisition_channel, c.acquired_at FROM customers c WHERE c.id = i.id OFFSET 0) c
            LEFT JOIN LATERAL (
                SELECT d.day, d.purchase_count, d.refund_count, d.gross_revenue, d.refunds, d.cost
                FROM customer_days d WHERE d.customer_id = c.id ORDER BY d.day OFFSET 0
            ) d ON true
            """, connection);
        command.Parameters.Add(new NpgsqlParameter("ids", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { Value = ids });
        await using var reader = await command.ExecuteReaderAsync(ct);
        (long Id, string? Channel, DateTimeOffset? AcquiredAt)? customer = null;
        var days = new List<RollupWriter.Day>();
        while (await reader.ReadAsync(ct))
        {
            var id = reader.GetInt64(0);
            if (customer?.Id != id)
            {
                StageCustomer();
                customer = (id, reader.IsDBNull(1) ? null : reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetFieldValue<DateTimeOffset>(2));
                days = [];
            }

            if (!reader.IsDBNull(3))
            {
                days.Add(new RollupWriter.Day(id, reader.GetFieldValue<DateOnly>(3))
                {
                    Purchases = reader.GetInt32(4),
                    Refunds = reader.GetInt32(5),
                    Gross = reader.GetDecimal(6),
                    RefundAmount = reader.GetDecimal(7),
                    Cost = reader.GetDecimal(8),
                });
            }
        }

        StageCustomer();

        void StageCustomer()
        {
            if (customer is { } c)
            {
                stage(c.Id, c.Channel, c.AcquiredAt, days);
            }
        }
    }

    /// <summary>
    /// Stages the contribution of a customer all of whose days the write holds (none: a profile
    /// without transactions), from their channel and acquisition time and those days as it summed
    /// them, in date order, to be written by <see cref="WriteStagedAsync"/>: computed here rather
    /// than read back (<see cref="PeriodContributions"/>). <paramref name="sign"/> −1 takes back
    /// a contribution the customer had before the write; the two net out in the staged sums.
    /// </summary>
    internal void Stage(long customer, string? channel, DateTimeOffset? acquiredAt, ReadOnlySpan<RollupWriter.Day> days, int sign = 1)
    {
        if (_through is { } through && customer > through)
        {
            return;
        }

        _staged.Add(PeriodContributions.ChannelOf(channel), AcquiredDay(acquiredAt), days, sign);
    }

    /// <summary>Whether two acquisition times fall on the same day of the rollup's zone (or are both unknown): the cells do not tell them apart.</summary>
    internal bool SameDay(DateTimeOffset? first, DateTimeOffset? second) => AcquiredDay(first) == AcquiredDay(second);

    // The day of an acquisition time in the rollup's zone.
    private DateOnly? AcquiredDay(DateTimeOffset? acquiredAt)
    {
        _timeZone ??= TimeZoneInfo.FindSystemTimeZoneById(_zone);
        return acquiredAt is { } at ? DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(AsStored(at), _timeZone).DateTime) : null;
    }

    // A time as a timestamptz column holds it: Npgsql sends whole microseconds since 2000-01-01,
    // truncated toward zero (so a time before 2000 a fraction of a microsecond before midnight is
    // stored on the next day).
    private static DateTimeOffset AsStored(DateTimeOffset at) =>
        new((at.UtcTicks - PostgresEpochTicks) / 10 * 10 + PostgresEpochTicks, TimeSpan.Zero);

    private static readonly long PostgresEpochTicks = new DateTime(2000, 1, 1, 0, 0, 0, DateTimeKind.Utc).Ticks;

    /// <summary>Writes the staged contributions (<see cref="Stage"/>), netted per cell.</summary>
    internal async Task WriteStagedAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        if (!_staged.IsEmpty)
        {
            await _staged.CopyAsync(connection, ct);
        }
    }

    /// <summary>
    /// Stages the contributions of customers all of whose days the write holds (in customer and
    /// date order; none for a customer without a transaction), and writes everything staged. The
    /// customers the write created have no channel and the acquisition time it gave them
    /// (<paramref name="created"/>): they are staged as they are, not read back. The others (a
    /// profile sent before any transaction, whose acquisition the write may have moved) are staged
    /// with their channel and acquisition as stored now.
    /// </summary>
    internal async Task AddFromDaysAsync(
        NpgsqlConnection connection, IReadOnlyDictionary<long, DateTimeOffset> created, IReadOnlyCollection<long> others, List<RollupWriter.Day> days, CancellationToken ct)
    {
        // Each customer's days are a run of the list: where it starts, and how long it is.
        var all = days.ToArray();
        var runs = new Dictionary<long, (int Start, int Length)>();
        foreach (var (start, end) in RollupWriter.CustomerRuns(all))
        {
            runs.Add(all[start].CustomerId, (start, end - start));
        }

        ReadOnlySpan<RollupWriter.Day> DaysOf(long id) => runs.TryGetValue(id, out var run) ? all.AsSpan(run.Start, run.Length) : [];

        foreach (var (id, acquiredAt) in created)
        {
            Stage(id, null, acquiredAt, DaysOf(id));
        }

        var ids = (_through is { } through ? others.Where(id => id <= through) : others).Order().ToArray();
        if (ids.Length > 0)
        {
            await using var command = new NpgsqlCommand("""
                SELECT c.id, c.acquisition_channel, c.acquired_at
                FROM unnest(@ids) AS i(id)
                CROSS JOIN LATERAL (SELECT c.id, c.acquisition_channel, c.acquired_at FROM customers c WHERE c.id = i.id OFFSET 0) c
                """, connection);
            command.Parameters.Add(new NpgsqlParameter("ids", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { Value = ids });
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                var id = reader.GetInt64(0);
                Stage(
                    id,
                    reader.IsDBNull(1) ? null : reader.GetString(1),
                    reader.IsDBNull(2) ? null : reader.GetFieldValue<DateTimeOffset>(2),
                    DaysOf(id));
            }
        }

        await WriteStagedAsync(connection, ct);
    }

    /// <summary>
    /// Adds or subtracts (<paramref name="sign"/>) the contributions of customers, with acquisition
    /// days in <paramref name="zone"/> and spells of the churn window <paramref name="window"/>.
    /// </summary>
    internal static async Task WriteAsync(NpgsqlConnection connection, long[] customers, string zone, int window, int sign, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(ContributionsSql, connection);
        command.Parameters.Add(new NpgsqlParameter("ids", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { Value = customers });
        command.Parameters.Add(new NpgsqlParameter("zone", zone));
        command.Parameters.Add(new NpgsqlParameter("sign", sign));
        command.Parameters.Add(new NpgsqlParameter("window", window));
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>The columns of a cell's sums, in order.</summary>
    internal const string SumColumns =
        "members, repeat, active, retained, last_purchases, purchases, gross_revenue, refunds, cost, at_risk, churned, lapsed";

    /// <summary>The columns that key a cell, in order.</summary>
    internal const string KeyColumns = "channel, period_kind, cohort, period, churn_day, net_value";

    /// <summary>The columns of a row of contributions, in order: the key, the sums and <c>max_day</c>.</summary>
    internal const string CellColumns = $"{KeyColumns}, {SumColumns}, max_day";

    // The sums of the contributions, times @sign (declared before the statement that uses it).
    private static readonly string Signed = string.Join(", ", SumColumns.Split(", ").Select(c => $"@sign * sum({c})"));

    // Per customer, kind and period: their days' sums; active when they bought; retained when they
    // also bought in the period before; last when no later period has a purchase. Each customer is
    // also a member of their cohort, on the cohort's own period (no acquisition date: no cohort),
    // counted as repeat with two purchase days or more; and one of the customers of their net
    // revenue's whole unit (kind 2, keyed by its floor), for medians.
    // And their alive spells, as the churn series counts them (TimeSeriesQueries): a spell is a run
    // of their acquisition and purchase days (none before the acquisition) each at most @window
    // days after the one before, alive to its last day + @window − 1. A spell is at risk in each
    // period whose eve it is alive on, and churned in the period of the day after it ends, on that
    // day (churn_day: readers count it once the day has come), if it was alive on that period's eve.
    // The customer has lapsed on the day after their last spell ends (kind 1, by churn_day).
    private static readonly string ContributionsSql = $"""
        INSERT INTO period_rollups ({CellColumns})
        WITH members AS MATERIALIZED (
            -- One index lookup per customer (OFFSET 0 keeps the subquery from being flattened
            -- into a join the planner could run as a scan of every customer), and the same for
            -- their days below: the cost follows the batch, not the portfolio.
            SELECT c.id, coalesce(c.acquisition_channel, '{AnalyticsScope.Unattributed}') AS channel,
                   (c.acquired_at AT TIME ZONE @zone)::date AS acquired_day
            FROM unnest(@ids) AS i(id)
            CROSS JOIN LATERAL (SELECT c.id, c.acquisition_channel, c.acquired_at FROM customers c WHERE c.id = i.id OFFSET 0) c
        ),
        member_days AS MATERIALIZED (
            SELECT m.id, m.channel, m.acquired_day, d.day, d.purchase_count, d.gross_revenue, d.refunds, d.cost
            FROM members m
            CROSS JOIN LATERAL (
                SELECT d.day, d.purchase_count, d.gross_revenue, d.refunds, d.cost FROM customer_days d WHERE d.customer_id = m.id OFFSET 0
            ) d
        ),
        kinds (kind, unit) AS (VALUES ({Month}::smallint, 'month'), ({Quarter}::smallint, 'quarter'), ({Year}::smallint, 'year')),
        totals AS (
            SELECT m.id, count(d.day) FILTER (WHERE d.purchase_count > 0) AS purchase_days,
                   coalesce(sum(d.gross_revenue), 0) - coalesce(sum(d.refunds), 0) AS net
            FROM members m LEFT JOIN member_days d ON d.id = m.id
            GROUP BY m.id
        ),
        periods AS (
            SELECT d.id, d.channel, k.kind, date_trunc(k.unit, d.acquired_day::timestamp)::date AS cohort,
                   date_trunc(k.unit, d.day::timestamp)::date AS period,
                   sum(d.purchase_count) AS purchases, sum(d.gross_revenue) AS gross_revenue, sum(d.refunds) AS refunds, sum(d.cost) AS cost,
                   max(d.day) AS max_day
            FROM member_days d
            CROSS JOIN kinds k
            GROUP BY d.id, d.channel, k.kind, 4, 5
        ),
        reference_days AS (
            SELECT id, channel, acquired_day AS day FROM members WHERE acquired_day IS NOT NULL
            UNION
            SELECT id, channel, day
            FROM member_days
            WHERE purchase_count > 0 AND day >= acquired_day
        ),
        spell_marks AS (
            SELECT id, channel, day, CASE WHEN day - lag(day) OVER (PARTITION BY id ORDER BY day) > @window THEN 1 ELSE 0 END AS starts_spell
            FROM reference_days
        ),
        spell_days AS (
            SELECT id, channel, day, sum(starts_spell) OVER (PARTITION BY id ORDER BY day) AS spell FROM spell_marks
        ),
        spells AS (
            SELECT id, channel, min(day) AS spell_start, max(day) + @window - 1 AS spell_end, max(day) AS last_day,
                   spell = max(spell) OVER (PARTITION BY id) AS last_spell
            FROM spell_days
            GROUP BY id, channel, spell
        ),
        contributions ({CellColumns}) AS (
            SELECT channel, kind, cohort, period, NULL::date, NULL::numeric, 0, 0,
                   (purchases > 0)::int,
                   coalesce(purchases > 0 AND lag(purchases) OVER w > 0
                       AND lag(period) OVER w = (period - make_interval(months => kind))::date, false)::int,
                   coalesce((period = max(CASE WHEN purchases > 0 THEN period END) OVER (PARTITION BY id, kind))::int, 0),
                   purchases, gross_revenue, refunds, cost, 0, 0, 0, max_day
            FROM periods
            WINDOW w AS (PARTITION BY id, kind ORDER BY period)
            UNION ALL
            SELECT m.channel, k.kind, date_trunc(k.unit, m.acquired_day::timestamp)::date, date_trunc(k.unit, m.acquired_day::timestamp)::date, NULL, NULL,
                   1, (t.purchase_days >= 2)::int, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, m.acquired_day
            FROM members m JOIN totals t ON t.id = m.id CROSS JOIN kinds k
            UNION ALL
            SELECT m.channel, {ValueBuckets}, NULL, NULL, NULL, floor(t.net), 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, NULL
            FROM members m JOIN totals t ON t.id = m.id
            UNION ALL
            -- The periods whose first day − 1 falls in the spell: from the one after the spell's
            -- first day's to the one holding the day after its end.
            SELECT s.channel, k.kind, NULL, p.period::date, NULL, NULL, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, s.last_day
            FROM spells s
            CROSS JOIN kinds k
            CROSS JOIN LATERAL generate_series(
                date_trunc(k.unit, s.spell_start::timestamp) + make_interval(months => k.kind),
                date_trunc(k.unit, (s.spell_end + 1)::timestamp),
                make_interval(months => k.kind)) AS p(period)
            UNION ALL
            SELECT s.channel, k.kind, NULL, date_trunc(k.unit, (s.spell_end + 1)::timestamp)::date, s.spell_end + 1, NULL,
                   0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, s.last_day
            FROM spells s
            CROSS JOIN kinds k
            WHERE date_trunc(k.unit, (s.spell_end + 1)::timestamp)::date > s.spell_start
            UNION ALL
            SELECT s.channel, {Month}, NULL, date_trunc('month', (s.spell_end + 1)::timestamp)::date, s.spell_end + 1, NULL,
                   0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, s.last_day
            FROM spells s
            WHERE s.last_spell
        )
        SELECT {KeyColumns}, {Signed}, max(max_day)
        FROM contributions
        GROUP BY {KeyColumns}
        """;

    /// <summary>
    /// Folds up to <paramref name="maxRows"/> of the oldest rows of one kind (one partition) with
    /// ids up to <paramref name="throughId"/> into one row per cell (cells whose sums are all zero
    /// go), unless another instance is compacting; returns the rows folded. The folded rows take
    /// new ids, above <paramref name="throughId"/> when it is the highest id when folding began: so
    /// steps until one folds fewer than <paramref name="maxRows"/> fold every row there was once.
    /// Readers see the same sums before and after: rows a writer has not committed yet are left as
    /// they are.
    /// </summary>
    public static async Task<long> CompactAsync(NpgsqlConnection connection, short kind, long throughId, int maxRows, CancellationToken ct)
    {
        await using var transaction = await connection.BeginTransactionAsync(ct);
        // A step's sort of its rows per cell (200,000 of them) fits in 64 MB, not in the default 4.
        await using (var tryLock = new NpgsqlCommand($"{NpgsqlConnectionExtensions.LargeWorkMemSql}; SELECT pg_try_advisory_xact_lock(hashtext('clv.period_rollups_compaction'))", connection))
        {
            if (await tryLock.ExecuteScalarAsync(ct) is not true)
            {
                return 0;
            }
        }

        // The kind is a constant of the statement, so that it plans for that partition alone.
        await using var command = new NpgsqlCommand($"""
            WITH oldest AS (SELECT id FROM period_rollups WHERE period_kind = {KindLiteral(kind)} AND id <= @through ORDER BY id LIMIT @max),
            moved AS (
                DELETE FROM period_rollups r USING oldest o WHERE r.period_kind = {KindLiteral(kind)} AND r.id = o.id
                RETURNING {Prefixed("r", KeyColumns)}, {Prefixed("r", SumColumns)}, r.max_day),
            folded AS (
                INSERT INTO period_rollups ({CellColumns})
                SELECT {KeyColumns}, {Summed}, max(max_day)
                FROM moved
                GROUP BY {KeyColumns}
                HAVING {NonZero})
            SELECT count(*) FROM moved
            """, connection);
        command.Parameters.Add(new NpgsqlParameter("max", maxRows));
        command.Parameters.Add(new NpgsqlParameter("through", throughId));
        var moved = (long)(await command.ExecuteScalarAsync(ct))!;
        await transaction.CommitAsync(ct);
        return moved;
    }

    /// <summary>
    /// The rows of one kind of <c>period_rollups</c> (its cells, and the deltas not folded yet),
    /// and the highest id among them (0 without one).
    /// </summary>
    /// <remarks>Counting reads the whole partition: 150–270 ms for the counts per net revenue at ×40.</remarks>
    public static async Task<(long Rows, long LastId)> CountAsync(NpgsqlConnection connection, short kind, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(
            $"SELECT count(*), coalesce(max(id), 0) FROM period_rollups WHERE period_kind = {KindLiteral(kind)}", connection);
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        return (reader.GetInt64(0), reader.GetInt64(1));
    }

    /// <summary>
    /// What the last folding of each kind left (<c>period_rollup_folds</c>): its rows and the
    /// highest id then; kinds never folded are absent.
    /// </summary>
    public static async Task<Dictionary<short, (long Kept, long KeptThrough)>> FoldsAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        var folds = new Dictionary<short, (long, long)>();
        await using var command = new NpgsqlCommand("SELECT period_kind, kept, kept_through FROM period_rollup_folds", connection);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            folds[reader.GetInt16(0)] = (reader.GetInt64(1), reader.GetInt64(2));
        }

        return folds;
    }

    /// <summary>Records what a folding of one kind left, unless a folding that saw later rows has recorded already.</summary>
    public static async Task SaveFoldAsync(NpgsqlConnection connection, short kind, long kept, long keptThrough, DateTimeOffset now, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(
            """
            INSERT INTO period_rollup_folds AS f (period_kind, kept, kept_through, folded_at) VALUES (@kind, @kept, @through, @now)
            ON CONFLICT (period_kind) DO UPDATE SET kept = excluded.kept, kept_through = excluded.kept_through, folded_at = excluded.folded_at
            WHERE f.kept_through <= excluded.kept_through
            """,
            connection);
        command.Parameters.Add(new NpgsqlParameter("kind", kind));
        command.Parameters.Add(new NpgsqlParameter("kept", kept));
        command.Parameters.Add(new NpgsqlParameter("through", keptThrough));
        command.Parameters.Add(new NpgsqlParameter("now", now));
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>The highest id of one kind of <c>period_rollups</c> (0 without a row): one step down the partition's key.</summary>
    public static async Task<long> LastIdAsync(NpgsqlConnection connection, short kind, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand($"SELECT coalesce(max(id), 0) FROM period_rollups WHERE period_kind = {KindLiteral(kind)}", connection);
        return (long)(await command.ExecuteScalarAsync(ct))!;
    }

    /// <summary>
    /// Whether more than <paramref name="rows"/> rows of one kind have ids above
    /// <paramref name="after"/>: ids are only ever given to rows appended, in order, so these are
    /// the rows appended since the row with that id. Reads at most <paramref name="rows"/> + 1
    /// entries of the partition's key.
    /// </summary>
    public static async Task<bool> AppendedMoreThanAsync(NpgsqlConnection connection, short kind, long after, long rows, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(
            $"SELECT count(*) > @rows FROM (SELECT FROM period_rollups WHERE period_kind = {KindLiteral(kind)} AND id > @after LIMIT @rows + 1) s", connection);
        command.Parameters.Add(new NpgsqlParameter("after", after));
        command.Parameters.Add(new NpgsqlParameter("rows", rows));
        return (bool)(await command.ExecuteScalarAsync(ct))!;
    }

    private static string KindLiteral(short kind) => Kinds.Contains(kind)
        ? kind.ToString(System.Globalization.CultureInfo.InvariantCulture)
        : throw new ArgumentOutOfRangeException(nameof(kind), kind, "Not a period kind stored in period_rollups.");

    /// <summary>
    /// Whether a group of rows of <c>period_rollups</c> sums to something, as SQL for HAVING: the
    /// deltas of a customer erased or moved elsewhere cancel out, and leave no cell.
    /// </summary>
    public const string NonZero = """
        sum(members) <> 0 OR sum(repeat) <> 0 OR sum(active) <> 0 OR sum(retained) <> 0 OR sum(last_purchases) <> 0
            OR sum(purchases) <> 0 OR sum(gross_revenue) <> 0 OR sum(refunds) <> 0 OR sum(cost) <> 0
            OR sum(at_risk) <> 0 OR sum(churned) <> 0 OR sum(lapsed) <> 0
        """;

    /// <summary>The sums of the cells, as SQL over rows of <c>period_rollups</c>.</summary>
    internal static string Summed { get; } = string.Join(", ", SumColumns.Split(", ").Select(c => $"sum({c})"));



    private static string Prefixed(string table, string columns) => string.Join(", ", columns.Split(", ").Select(c => $"{table}.{c}"));
}
