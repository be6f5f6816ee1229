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
    /// The most customers a past day's cells are corrected for: beyond, each question reads the
    /// customers' totals and days instead (a correction reads every day of each of them).
    /// </summary>
    public const int MostCorrected = 10_000;

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
    /// The cells of the book as it stood at the end of <paramref name="day"/>, with acquisition
    /// days in <paramref name="zone"/> (the rollup's): the table's, corrected for each customer
    /// whose state then differs from their state now (<see cref="PeriodRollups.StageAsOfAsync"/>),
    /// those acquired after the day and those with a day after it (a purchase after it, as their
    /// summary says, or a refund and any day after it); null when they are more than
    /// <see cref="MostCorrected"/>. The caller checks that the rollup holds every customer, in the
    /// same snapshot.
    /// </summary>
    public static async Task<RollupCells?> AsOfAsync(NpgsqlConnection connection, DateOnly day, string zone, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("""
            SELECT c.id FROM customers c WHERE (c.acquired_at AT TIME ZONE @zone)::date > @day
            UNION
            SELECT s.customer_id FROM customer_summaries s
            WHERE s.last_purchase_day > @day
               OR (s.refunds <> 0 AND EXISTS (SELECT 1 FROM customer_days d WHERE d.customer_id = s.customer_id AND d.day > @day))
            LIMIT @limit
            """, connection);
        command.Parameters.Add(new NpgsqlParameter("zone", zone));
        command.Parameters.Add(new NpgsqlParameter("day", day));
        command.Parameters.Add(new NpgsqlParameter("limit", NpgsqlDbType.Integer) { Value = MostCorrected + 1 });
        var customers = new List<long>();
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
