using Npgsql;

namespace Clv.Api.Tests.Infrastructure;

/// <summary>Looks at every table of a test database, so that a table added later is covered too.</summary>
internal static class StoredData
{
    /// <summary>Every table, with whether it has a <c>customer_id</c> column; with <paramref name="partitions"/> also each partition.</summary>
    public static async Task<List<(string Name, bool HasCustomerId)>> TablesAsync(NpgsqlConnection connection, bool partitions)
    {
        await using var command = new NpgsqlCommand($"""
            SELECT c.relname, EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'customer_id' AND NOT a.attisdropped)
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') {(partitions ? "" : "AND NOT c.relispartition AND c.relname !~ '^customer_predictions_'")}
            ORDER BY c.relname
            """, connection);
        var tables = new List<(string, bool)>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            tables.Add((reader.GetString(0), reader.GetBoolean(1)));
        }

        return tables;
    }

    /// <summary>
    /// A hash of every stored row of every table (attached prediction partitions through their
    /// parent). Model runs count by id only: a run accepted earlier moves through its states in the
    /// background, which is not a change made by the request under test. The stored rankings
    /// (<c>analytics_rankings</c>) do not count: they are derived from the rest, and reads store
    /// them (docs/read-model.md). The group rollup counts by its cells' sums, which folding its rows
    /// in the background leaves as they are, and what those foldings left
    /// (<c>period_rollup_folds</c>) does not count.
    /// </summary>
    public static async Task<string> FingerprintAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        var tables = (await TablesAsync(connection, partitions: false)).Where(t => t.Name is not ("analytics_rankings" or "period_rollup_folds"));
        var parts = tables.Select(t => t.Name switch
        {
            "model_runs" => "SELECT 'model_runs', md5(coalesce(string_agg(id::text, ',' ORDER BY id), '')) FROM model_runs",
            "period_rollups" => PeriodRollupCells,
            _ => $"SELECT '{t.Name}', md5(coalesce(string_agg(t::text, ',' ORDER BY t::text), '')) FROM \"{t.Name}\" t",
        });
        await using var command = new NpgsqlCommand(string.Join(" UNION ALL ", parts), connection);
        var fingerprint = new System.Text.StringBuilder();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            fingerprint.Append(reader.GetString(0)).Append('=').Append(reader.GetString(1)).Append(' ');
        }

        return fingerprint.ToString();
    }

    /// <summary>
    /// The group rollup's cells, one row each with its sums: what folding its rows keeps. A money
    /// sum of zero shows as empty: deltas that cancel out leave it at the days' scale (0.0000) where
    /// a build from scratch, without them, has none (0), and readers answer 0 for both.
    /// </summary>
    public const string PeriodRollupCellRows = """
        SELECT channel, period_kind, cohort, period, churn_day, net_value, sum(members), sum(repeat), sum(active), sum(retained),
               sum(last_purchases), sum(purchases), nullif(sum(gross_revenue), 0), nullif(sum(refunds), 0), nullif(sum(cost), 0),
               sum(at_risk), sum(churned), sum(lapsed)
        FROM period_rollups
        GROUP BY channel, period_kind, cohort, period, churn_day, net_value
        HAVING sum(members) <> 0 OR sum(repeat) <> 0 OR sum(active) <> 0 OR sum(retained) <> 0 OR sum(last_purchases) <> 0
            OR sum(purchases) <> 0 OR sum(gross_revenue) <> 0 OR sum(refunds) <> 0 OR sum(cost) <> 0
            OR sum(at_risk) <> 0 OR sum(churned) <> 0 OR sum(lapsed) <> 0
        """;

    private const string PeriodRollupCells =
        $"SELECT 'period_rollups', md5(coalesce(string_agg(t::text, ',' ORDER BY t::text), '')) FROM ({PeriodRollupCellRows}) t";
}
