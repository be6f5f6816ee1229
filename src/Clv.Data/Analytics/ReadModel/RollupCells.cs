using Clv.Data.Rollups;
using Npgsql;
using NpgsqlTypes;

namespace Clv.Data.Analytics.ReadModel;

/// <summary>
/// Where a query reads the group rollup's cells: the table itself, which holds the current state;
/// or, as of a past day, the table beside corrections that make its sums the cells of the book as
/// it stood at the end of that day (<see cref="AsOfAsync"/>). A query names <see cref="Sql"/>
/// where it would name <c>period_rollups</c>, and adds <see cref="AddParameters"/>.
/// </summary>
internal sealed class RollupCells
{
    private readonly PeriodRollups? _corrections;

    private RollupCells(PeriodRollups? corrections) => _corrections = corrections;

    /// <summary>The table's cells: the current state.</summary>
    public static RollupCells Current { get; } = new(null);

    /// <summary>Whether these are a past day's cells, the table's corrected.</summary>
    public bool IsPastDay => _corrections is not null;

    /// <summary>
    /// The cells' rows, as SQL that stands where a query would name <c>period_rollups</c>. A past
    /// day's corrections hold the period kinds' cells only: the counts per net revenue are corrected
    /// by the caller (<see cref="CorrectionCounts"/>).
    /// </summary>
    public string Sql => _corrections is null
        ? "period_rollups"
        : $"(SELECT {PeriodRollups.CellColumns} FROM period_rollups UNION ALL {PeriodContributions.RowsSql}) AS cells";

    /// <summary>Adds the corrections' parameters to a command that names <see cref="Sql"/>, once.</summary>
    public void AddParameters(NpgsqlCommand command) => _corrections?.AddStagedRows(command);

    /// <summary>
    /// The corrections' counts of customers per channel and net revenue (<paramref name="kind"/>
    /// <see cref="PeriodRollups.Values"/>) or unit of it (<see cref="PeriodRollups.ValueBuckets"/>), to add to the table's.
    /// </summary>
    public IEnumerable<(string Channel, decimal Value, int Members)> CorrectionCounts(short kind) =>
        _corrections?.StagedValueCounts(kind) ?? [];

    /// <summary>
    /// The cells of the book as of the scope's past day (<see cref="AnalyticsScope.Cutoff"/>, on or
    /// before its reference day) when the rollup holds every customer, counting the spells of
    /// <paramref name="churnWindow"/> if one is given (<see cref="PeriodRollupCells.AnswersAsync"/>),
    /// and at most <see cref="AnalyticsScope.MostCorrected"/> customers changed since
    /// (<see cref="AsOfAsync"/>); null otherwise, and for the current state. Checked in the
    /// caller's snapshot.
    /// </summary>
    public static async Task<RollupCells?> PastDayAsync(NpgsqlConnection connection, AnalyticsScope scope, int? churnWindow, CancellationToken ct) =>
        scope.Cutoff is { } day && day <= scope.Reference && await PeriodRollupCells.AnswersAsync(connection, null, churnWindow, ct)
            ? await AsOfAsync(connection, day, scope.TimeZone, scope.MostCorrected, ct)
            : null;

    /// <summary>
    /// The cells of the book as it stood at the end of <paramref name="day"/>, with acquisition
    /// days in <paramref name="zone"/> (the rollup's): the table's, corrected for each customer
    /// whose state then differs from their state now (<see cref="PeriodRollups.StageAsOfAsync"/>),
    /// those acquired after the day and those with a day after it (a purchase after it, as their
    /// summary says, or a refund and any day after it); null when they are more than
    /// <paramref name="mostCorrected"/>. The caller checks that the rollup holds every customer, in the
    /// same snapshot.
    /// </summary>
    private static async Task<RollupCells?> AsOfAsync(NpgsqlConnection connection, DateOnly day, string zone, int mostCorrected, CancellationToken ct)
    {
        // Three index range reads, appended (migration PastDayLookups): those acquired after the
        // day (from its start in the zone on, a day early in any zone, then by their day), those
        // who bought after it, and the refunders who did not but have a day after it. A customer
        // may come from the first and one other, so a limit of twice the most reads them all, or
        // more than the most distinct ones. Scans of both tables took 0.3–0.5 s at a million customers.
        await using var command = new NpgsqlCommand("""
            SELECT x.id
            FROM (
                SELECT c.id FROM customers c
                WHERE c.acquired_at >= (@day::timestamp AT TIME ZONE @zone) AND (c.acquired_at AT TIME ZONE @zone)::date > @day
                UNION ALL
                SELECT s.customer_id FROM customer_summaries s WHERE s.last_purchase_day > @day
                UNION ALL
                SELECT s.customer_id FROM customer_summaries s
                WHERE s.refunds <> 0 AND NOT coalesce(s.last_purchase_day > @day, false)
                  AND EXISTS (SELECT 1 FROM customer_days d WHERE d.customer_id = s.customer_id AND d.day > @day)
            ) x
            LIMIT @limit
            """, connection);
        command.Parameters.Add(new NpgsqlParameter("zone", zone));
        command.Parameters.Add(new NpgsqlParameter("day", day));
        command.Parameters.Add(new NpgsqlParameter("limit", NpgsqlDbType.Bigint) { Value = (2L * mostCorrected) + 1 });
        var customers = new HashSet<long>();
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                customers.Add(reader.GetInt64(0));
            }
        }

        if (customers.Count > mostCorrected)
        {
            return null;
        }

        var rollups = await PeriodRollups.OpenAsync(connection, ct);
        await rollups.StageAsOfAsync(connection, customers, day, ct);
        return new RollupCells(rollups);
    }
}
