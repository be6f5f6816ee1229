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
    /// <summary>
    /// The most customers a past day's cells are corrected for, which bounds what an answer holds:
    /// beyond, each question reads the customers' totals and days instead. A correction reads
    /// every day of each of them, about 30 µs per customer who bought recently at CDNOW ×40
    /// (0.27 s for 10,000, 0.9 s for 28,000, 1.7 s for 60,000), while the days' answers took 4–6 s
    /// as of a month's last day and 9–21 s as of another day (docs/benchmarks.md).
    /// </summary>
    public const int MostCorrected = 50_000;

    private readonly PeriodRollups? _corrections;

    private RollupCells(PeriodRollups? corrections) => _corrections = corrections;

    /// <summary>The table's cells: the current state.</summary>
    public static RollupCells Current { get; } = new(null);

    /// <summary>Whether these are a past day's cells, the table's corrected.</summary>
    public bool IsPastDay => _corrections is not null;

    /// <summary>The cells' rows, as SQL that stands where a query would name <c>period_rollups</c>.</summary>
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
    /// and few enough customers changed since (<see cref="AsOfAsync"/>); null otherwise, and for
    /// the current state. Checked in the caller's snapshot.
    /// </summary>
    public static async Task<RollupCells?> PastDayAsync(NpgsqlConnection connection, AnalyticsScope scope, int? churnWindow, CancellationToken ct) =>
        scope.Cutoff is { } day && day <= scope.Reference && await PeriodRollupCells.AnswersAsync(connection, null, churnWindow, ct)
            ? await AsOfAsync(connection, day, scope.TimeZone, ct)
            : null;

    /// <summary>
    /// The cells of the book as it stood at the end of <paramref name="day"/>, with acquisition
    /// days in <paramref name="zone"/> (the rollup's): the table's, corrected for each customer
    /// whose state then differs from their state now (<see cref="PeriodRollups.StageAsOfAsync"/>),
    /// those acquired after the day and those with a day after it (a purchase after it, as their
    /// summary says, or a refund and any day after it); null when they are more than
    /// <see cref="MostCorrected"/>. The caller checks that the rollup holds every customer, in the
    /// same snapshot.
    /// </summary>
    private static async Task<RollupCells?> AsOfAsync(NpgsqlConnection connection, DateOnly day, string zone, CancellationToken ct)
    {
        // Two scans, appended: a customer may come from both, at most twice, so a limit of twice
        // the most reads them all, or more than the most distinct ones.
        await using var command = new NpgsqlCommand("""
            SELECT x.id
            FROM (
                SELECT c.id FROM customers c WHERE (c.acquired_at AT TIME ZONE @zone)::date > @day
                UNION ALL
                SELECT s.customer_id FROM customer_summaries s
                WHERE s.last_purchase_day > @day
                   OR (s.refunds <> 0 AND EXISTS (SELECT 1 FROM customer_days d WHERE d.customer_id = s.customer_id AND d.day > @day))
            ) x
            LIMIT @limit
            """, connection);
        command.Parameters.Add(new NpgsqlParameter("zone", zone));
        command.Parameters.Add(new NpgsqlParameter("day", day));
        command.Parameters.Add(new NpgsqlParameter("limit", NpgsqlDbType.Integer) { Value = (2 * MostCorrected) + 1 });
        var customers = new HashSet<long>();
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                customers.Add(reader.GetInt64(0));
            }
        }

        if (customers.Count > MostCorrected)
        {
            return null;
        }

        var rollups = await PeriodRollups.OpenAsync(connection, ct);
        await rollups.StageAsOfAsync(connection, customers, day, ct);
        return new RollupCells(rollups);
    }
}
