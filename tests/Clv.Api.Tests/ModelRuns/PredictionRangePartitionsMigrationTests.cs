using Clv.Api.Tests.Infrastructure;

namespace Clv.Api.Tests.ModelRuns;

/// <summary>
/// The migration that partitions the predictions by range of (run, customer id) instead of by
/// list of run, on an existing installation: each run's table keeps its rows and becomes the whole
/// range of its run; a table no run has attached is left alone; and going back merges a run's
/// tables into one.
/// </summary>
public sealed class PredictionRangePartitionsMigrationTests : IAsyncLifetime
{
    private const string Before = "20261203223000_PeriodRollupValueBuckets";
    private const string Migrated = "20261204043000_PredictionRangePartitions";
    private const string Active = "0f4e1d2c-3b4a-4958-8776-655443322110";
    private const string Loading = "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d";
    private const string Split = "2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e";
    private readonly MigrationDatabase _database = new();

    public Task InitializeAsync() => _database.InitializeAsync();

    public Task DisposeAsync() => _database.DisposeAsync();

    [Fact]
    public async Task Each_run_table_becomes_its_runs_whole_range_with_its_rows_and_back()
    {
        // Given the active run's table, attached by list of run, and a table a run is loading.
        await _database.MigrateAsync(Before);
        await _database.ExecuteAsync($"""
            {RunTable(Active, "customer_predictions_0f4e1d2c3b4a49588776655443322110", 1, 3)}
            ALTER TABLE customer_predictions ATTACH PARTITION customer_predictions_0f4e1d2c3b4a49588776655443322110 FOR VALUES IN ('{Active}');
            {RunTable(Loading, "customer_predictions_1a2b3c4d5e6f4a7b8c9d0e1f2a3b4c5d", 1, 2)}
            """);

        await _database.MigrateAsync(Migrated);

        // Then the parent is partitioned by range, the run's table is the whole range of its run, and holds its rows.
        Assert.Equal(["r"], await _database.StringsAsync("SELECT partstrat::text FROM pg_partitioned_table WHERE partrelid = 'customer_predictions'::regclass"));
        Assert.Equal(
            [$"customer_predictions_0f4e1d2c3b4a49588776655443322110 FOR VALUES FROM ('{Active}', MINVALUE) TO ('{Active}', MAXVALUE)"],
            await PartitionsAsync());
        Assert.Equal([$"{Active}:1", $"{Active}:2", $"{Active}:3"], await RowsAsync());
        Assert.Equal(["customer_predictions_1a2b3c4d5e6f4a7b8c9d0e1f2a3b4c5d:2"], await _database.StringsAsync(
            "SELECT 'customer_predictions_1a2b3c4d5e6f4a7b8c9d0e1f2a3b4c5d:' || count(*) FROM customer_predictions_1a2b3c4d5e6f4a7b8c9d0e1f2a3b4c5d"));

        // And when a run's rows split into two ranges are attached beside it, going back merges them into one table of that run.
        await _database.ExecuteAsync($"""
            {RunTable(Split, "customer_predictions_2b3c4d5e6f7a4b8c9d0e1f2a3b4c5d6e_0", 1, 4)}
            {RunTable(Split, "customer_predictions_2b3c4d5e6f7a4b8c9d0e1f2a3b4c5d6e_1", 5, 6)}
            ALTER TABLE customer_predictions ATTACH PARTITION customer_predictions_2b3c4d5e6f7a4b8c9d0e1f2a3b4c5d6e_0 FOR VALUES FROM ('{Split}', MINVALUE) TO ('{Split}', 5);
            ALTER TABLE customer_predictions ATTACH PARTITION customer_predictions_2b3c4d5e6f7a4b8c9d0e1f2a3b4c5d6e_1 FOR VALUES FROM ('{Split}', 5) TO ('{Split}', MAXVALUE);
            """);
        await _database.MigrateAsync(Before);

        Assert.Equal(["l"], await _database.StringsAsync("SELECT partstrat::text FROM pg_partitioned_table WHERE partrelid = 'customer_predictions'::regclass"));
        Assert.Equal(
            [
                $"customer_predictions_0f4e1d2c3b4a49588776655443322110 FOR VALUES IN ('{Active}')",
                $"customer_predictions_2b3c4d5e6f7a4b8c9d0e1f2a3b4c5d6e FOR VALUES IN ('{Split}')",
            ],
            await PartitionsAsync());
        Assert.Equal([$"{Active}:1", $"{Active}:2", $"{Active}:3", .. Enumerable.Range(1, 6).Select(i => $"{Split}:{i}")], await RowsAsync());
    }

    // A run's table as a run loads it, holding customers from..to.
    private static string RunTable(string run, string table, int from, int to) => $"""
        CREATE TABLE {table} (LIKE customer_predictions INCLUDING DEFAULTS, CHECK (run_id = '{run}'));
        INSERT INTO {table} (run_id, customer_id, frequency, recency, age, expected_purchases, probability_alive, expected_average_spend, predicted_clv)
        SELECT '{run}', i, 1, 1, 1, 1, 0.5, 10, 10 FROM generate_series({from}, {to}) AS i;
        ALTER TABLE {table} ADD PRIMARY KEY (run_id, customer_id);
        """;

    private Task<List<string>> PartitionsAsync() => _database.StringsAsync("""
        SELECT c.relname || ' ' || pg_get_expr(c.relpartbound, c.oid) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = 'customer_predictions'::regclass ORDER BY c.relname
        """);

    private Task<List<string>> RowsAsync() =>
        _database.StringsAsync("SELECT run_id || ':' || customer_id FROM customer_predictions ORDER BY run_id, customer_id");
}
