using System.Net;
using System.Net.Http.Json;
using Clv.Api.Tests.Infrastructure;
using Clv.Data.ModelRuns;
using Npgsql;

namespace Clv.Api.Tests.ModelRuns;

/// <summary>
/// A model run writes its predictions into tables of its own (<c>customer_predictions_&lt;run&gt;_&lt;part&gt;</c>)
/// and attaches them at the end. A run killed before that leaves the tables behind: an erasure must
/// still reach them, and recovery must drop them once no running run owns them
/// (src/Clv.Data/ModelRuns/PredictionStore.cs).
/// </summary>
public sealed class PredictionTableRecoveryTests(PredictionTableRecoveryTests.CdnowDatabase cdnow) : IClassFixture<PredictionTableRecoveryTests.CdnowDatabase>
{
    private const string Erased = "cdnow-0001";
    private static readonly TimeSpan Deadline = TimeSpan.FromMinutes(1);

    /// <summary>
    /// The CDNOW sample and one model run that succeeded, whose partition is the active one. Its own
    /// instance looks for queued runs once a minute: only runs queued through it wake it.
    /// </summary>
    public sealed class CdnowDatabase : IAsyncLifetime
    {
        public ClvApiFactory Owner { get; } = new ClvApiFactory().With("Clv:ModelRuns:PollMilliseconds", "60000");

        public string ActiveTable { get; private set; } = "";

        public async Task InitializeAsync()
        {
            await Owner.InitializeAsync();
            var client = Owner.Client();
            (await client.PostCsvAsync(CdnowSample.Csv())).EnsureSuccessStatusCode();
            var run = await ModelRunTests.StartAndWaitAsync(client, new { asOf = "1998-06-30" });
            Assert.Equal("succeeded", run.GetProperty("status").GetString());
            ActiveTable = TableOf(run.GetProperty("id").GetGuid());
        }

        public Task DisposeAsync() => ((IAsyncLifetime)Owner).DisposeAsync();
    }

    [Fact]
    public async Task After_a_sigkill_in_the_write_stage_and_a_restart_an_erasure_leaves_no_row_of_the_customer_in_any_table()
    {
        var customerId = await cdnow.Owner.ScalarAsync<long>($"SELECT customer_id FROM customer_keys WHERE external_id = '{Erased}'");

        // Given a run killed with SIGKILL in its write stage: its rows COPYed into its tables, which
        // are held (an event trigger on ALTER TABLE) before they get their keys, let alone are attached.
        Guid runId;
        await using (var hold = await HoldAlterTableAsync())
        {
            await using var killed = await ApiProcess.StartAsync(cdnow.Owner.ConnectionString, new Dictionary<string, string>
            {
                ["Clv:ModelRuns:PollMilliseconds"] = "50",
                ["Clv:ModelRuns:LeaseSeconds"] = "600",
            });
            using var client = killed.Client();
            var accepted = await client.PostAsJsonAsync("/api/v1/model-runs", new { asOf = "1998-06-30" });
            runId = (await accepted.JsonAsync(HttpStatusCode.Accepted)).GetProperty("id").GetGuid();
            await UntilAsync(async () => await cdnow.Owner.ScalarAsync<long>(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event = 'advisory' AND query LIKE @alter",
                new NpgsqlParameter("alter", $"%ALTER TABLE customer\\_predictions\\_{runId:N}\\_%")) == PredictionStore.Parts,
                () => $"The run never reached the keys of its tables:{Environment.NewLine}{killed.Output}");
            Assert.Equal("write", await cdnow.Owner.ScalarAsync<string>("SELECT stage FROM model_runs WHERE id = @id", new NpgsqlParameter("id", runId)));
            await killed.KillAsync();
        }

        var rows = 0L;
        foreach (var table in TablesOf(runId))
        {
            rows += await RowsOfAsync(table, customerId);
        }

        Assert.Equal(1, rows);

        // When the service starts again and the customer is erased.
        await using var restarted = new ClvApiFactory().OnDatabaseOf(cdnow.Owner).With("Clv:ModelRuns:PollMilliseconds", "50");
        var erased = await restarted.Client().DeleteAsync($"/api/v1/customers/{Erased}");
        Assert.Equal(HttpStatusCode.OK, erased.StatusCode);

        // Then no table holds a row of theirs: not the active partition, not the killed run's table.
        await using (var connection = new NpgsqlConnection(cdnow.Owner.ConnectionString))
        {
            await connection.OpenAsync();
            var holding = new List<string>();
            foreach (var (name, _) in (await StoredData.TablesAsync(connection, partitions: true)).Where(t => t.HasCustomerId))
            {
                if (await RowsOfAsync(name, customerId) > 0)
                {
                    holding.Add(name);
                }
            }

            Assert.Empty(holding);
        }

        // And once the killed run's lease runs out, the run fails and its table is dropped.
        await cdnow.Owner.ExecuteAsync("UPDATE model_runs SET lease_expires_at = now() - interval '1 second' WHERE id = @id", new NpgsqlParameter("id", runId));
        foreach (var table in TablesOf(runId))
        {
            await UntilAsync(async () => !await TableExistsAsync(table), () => $"{table} was not dropped");
        }

        Assert.Equal("Failed", await cdnow.Owner.ScalarAsync<string>("SELECT status FROM model_runs WHERE id = @id", new NpgsqlParameter("id", runId)));
    }

    [Fact]
    public async Task A_starting_instance_drops_every_prediction_table_that_no_running_or_active_run_owns()
    {
        // A failed run's table, as an instance killed after failing the run and before dropping
        // its table leaves it; a table of no run at all; and a running run's, whose lease is live.
        var failed = await RunWithTableAsync("Failed", "now() - interval '1 minute'");
        var stray = TableOf(Guid.CreateVersion7());
        await cdnow.Owner.ExecuteAsync($"CREATE TABLE {stray} (LIKE customer_predictions INCLUDING DEFAULTS)");
        var running = await RunWithTableAsync("Running", "now() + interval '10 minutes'");
        try
        {
            await using var starting = new ClvApiFactory().OnDatabaseOf(cdnow.Owner).With("Clv:ModelRuns:PollMilliseconds", "50");
            _ = starting.Server;

            await UntilAsync(async () => !await TableExistsAsync(TableOf(failed)) && !await TableExistsAsync(stray),
                () => "The failed run's table or the stray table was not dropped");

            Assert.True(await TableExistsAsync(TableOf(running)), "The running run's table was dropped");
            Assert.True(await TableExistsAsync(cdnow.ActiveTable), "The active run's partition was dropped");
        }
        finally
        {
            await cdnow.Owner.ExecuteAsync("UPDATE model_runs SET status = 'Failed' WHERE id = @id", new NpgsqlParameter("id", running));
            await cdnow.Owner.ExecuteAsync($"DROP TABLE IF EXISTS {TableOf(running)}");
        }
    }

    [Fact]
    public async Task An_erasure_skips_a_run_table_dropped_while_it_waited_for_it()
    {
        // Given a table of a run being discarded: the test holds it (as a DROP in flight does)
        // while the erasure reaches it, then drops it.
        var table = TableOf(Guid.CreateVersion7());
        await cdnow.Owner.ExecuteAsync($"CREATE TABLE {table} (LIKE customer_predictions INCLUDING DEFAULTS)");
        await using var dropping = new NpgsqlConnection(cdnow.Owner.ConnectionString);
        await dropping.OpenAsync();
        await using var transaction = await dropping.BeginTransactionAsync();
        await using (var hold = new NpgsqlCommand($"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE", dropping, transaction))
        {
            await hold.ExecuteNonQueryAsync();
        }

        // When the erasure waits for it and the table is dropped meanwhile.
        var erasure = cdnow.Owner.Client().DeleteAsync("/api/v1/customers/cdnow-0003");
        await cdnow.Owner.UntilWaitingForLockAsync($"DELETE FROM \"{table}\"%");
        await using (var drop = new NpgsqlCommand($"DROP TABLE {table}", dropping, transaction))
        {
            await drop.ExecuteNonQueryAsync();
        }

        await transaction.CommitAsync();

        // Then the erasure goes on without it.
        Assert.Equal(HttpStatusCode.OK, (await erasure).StatusCode);
        Assert.Equal(0, await cdnow.Owner.ScalarAsync<long>("SELECT count(*) FROM customer_keys WHERE external_id = 'cdnow-0003'"));
    }

    // The first of a run's tables (one per range of customer ids).
    private static string TableOf(Guid runId) => TablesOf(runId)[0];

    private static List<string> TablesOf(Guid runId) =>
        [.. Enumerable.Range(0, PredictionStore.Parts).Select(part => $"customer_predictions_{runId:N}_{part}")];

    // A run in this state with a table of one prediction, of the customer to erase.
    private async Task<Guid> RunWithTableAsync(string status, string leaseExpiresAt)
    {
        var id = Guid.CreateVersion7();
        await cdnow.Owner.ExecuteAsync($"""
            INSERT INTO model_runs (id, status, stage, progress, options, is_active, created_at, started_at, lease_owner, lease_expires_at)
            VALUES (@id, '{status}', 'write', 0.6, @options::jsonb, false, now(), now(), @owner, {leaseExpiresAt});
            CREATE TABLE {TableOf(id)} (LIKE customer_predictions INCLUDING DEFAULTS);
            INSERT INTO {TableOf(id)} (run_id, customer_id, frequency, recency, age, expected_purchases, probability_alive, expected_average_spend, predicted_clv)
            SELECT @id, customer_id, 1, 1, 1, 1, 0.5, 10, 10 FROM customer_keys WHERE external_id = '{Erased}'
            """, new NpgsqlParameter("id", id), new NpgsqlParameter("owner", Guid.NewGuid()), new NpgsqlParameter("options", """{"asOf":"1998-06-30"}"""));
        return id;
    }

    // An event trigger that makes every ALTER TABLE wait while the returned connection is open; it
    // is dropped, then the wait let go, when the connection is disposed.
    private async Task<IAsyncDisposable> HoldAlterTableAsync()
    {
        const long key = 0x4869_6c64_416c_7472; // "HildAltr"
        await cdnow.Owner.ExecuteAsync($"""
            CREATE FUNCTION test_hold_alter_table() RETURNS event_trigger LANGUAGE plpgsql AS
            'BEGIN PERFORM pg_advisory_xact_lock_shared({key}); END';
            CREATE EVENT TRIGGER test_hold_alter_table ON ddl_command_start WHEN TAG IN ('ALTER TABLE') EXECUTE FUNCTION test_hold_alter_table();
            """);
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(cdnow.Owner.ConnectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        await using (var hold = new NpgsqlCommand($"SELECT pg_advisory_lock({key})", connection))
        {
            await hold.ExecuteNonQueryAsync();
        }

        return new Release(async () =>
        {
            await cdnow.Owner.ExecuteAsync("DROP EVENT TRIGGER test_hold_alter_table; DROP FUNCTION test_hold_alter_table()");
            await connection.DisposeAsync();
        });
    }

    private sealed class Release(Func<Task> release) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync() => await release();
    }

    private async Task<long> RowsOfAsync(string table, long customerId) =>
        await cdnow.Owner.ScalarAsync<long>($"SELECT count(*) FROM \"{table}\" WHERE customer_id = @id", new NpgsqlParameter("id", customerId));

    private async Task<bool> TableExistsAsync(string table) =>
        await cdnow.Owner.ScalarAsync<bool>("SELECT to_regclass(@table) IS NOT NULL", new NpgsqlParameter("table", table));

    private static async Task UntilAsync(Func<Task<bool>> done, Func<string> failure)
    {
        var deadline = DateTime.UtcNow + Deadline;
        while (!await done())
        {
            Assert.True(DateTime.UtcNow < deadline, failure());
            await Task.Delay(50);
        }
    }
}
