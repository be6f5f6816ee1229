using System.Globalization;
using System.Runtime.CompilerServices;
using Clv.Analytics.ModelRuns;
using Clv.Data.Analytics;
using Clv.Data.Customers;
using Clv.Data.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Clv.Data.ModelRuns;

/// <summary>
/// Writes a run's predictions with binary COPY into tables of their own and swaps them in:
/// readers see the previous run's rows until one transaction attaches the new partitions and
/// marks the run active; the superseded partitions are dropped after.
/// </summary>
/// <remarks>
/// <c>customer_predictions</c> is partitioned by range of <c>(run_id, customer_id)</c>: a run's
/// rows are split into <see cref="Parts"/> ranges of customer ids, each a table COPYed and keyed
/// on a connection of its own. Two COPYs into one table waited on each other for every page the
/// table grew by (its extension lock), and one key was then built over all of it: at a million
/// customers the write took about twice as long (docs/benchmarks.md).
/// </remarks>
public sealed class PredictionStore(ClvDbContext db)
{
    /// <summary>How many tables a run's rows are split into, each loaded on a connection of its own: one per core of these machines.</summary>
    public const int Parts = 2;

    private const string TablePrefix = "customer_predictions_";

    // The columns WriteRows writes, in its order.
    private const string CopyColumns =
        "run_id, customer_id, frequency, recency, age, expected_purchases, probability_alive, expected_average_spend, predicted_clv, " +
        "predicted_gross_profit_clv, alternatives, predicted_clv_lo, predicted_clv_hi, expected_purchases_lo, expected_purchases_hi, " +
        "probability_alive_lo, probability_alive_hi";

    // The names PartName gives, and those of the one table per run that runs before the ranges had;
    // no other table's: the parent has no suffix.
    private const string RunTablePattern = "^" + TablePrefix + "[0-9a-f]{32}(_[0-9]+)?$";

    /// <summary>
    /// Loads the predictions of <paramref name="runId"/> into tables of their own, not yet visible
    /// to readers: one per range of customer ids (<see cref="Parts"/>), loaded at once.
    /// </summary>
    /// <returns>The tables, for <see cref="ActivateAsync"/>.</returns>
    public async Task<LoadedPredictions> LoadAsync(Guid runId, PredictionColumns predictions, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(predictions);
        var loaded = new LoadedPredictions(runId, Bounds(predictions.CustomerIds.AsSpan(0, predictions.Count)));
        var connectionString = db.Database.GetConnectionString()!;
        await Task.WhenAll(Enumerable.Range(0, Parts).Select(part => Task.Run(
            () => LoadPartAsync(connectionString, loaded, part, predictions, cancellationToken),
            cancellationToken)));
        return loaded;
    }

    // Each part's check states its range, so that attaching it skips its validation scan: made
    // here, each row is checked as it is copied rather than in a scan of the whole table afterwards.
    // The table is created in the COPY's transaction so that its rows are written frozen: no reader
    // (the key's build first) sets their hint bits after, and with wal_level minimal they skip the WAL.
    // The key is built here too, outside the swap, by this connection alone: the parts are built side
    // by side already. Statistics are left to autovacuum: readers look customers up by key.
    private static async Task LoadPartAsync(string connectionString, LoadedPredictions loaded, int part, PredictionColumns predictions, CancellationToken cancellationToken)
    {
        var table = loaded.Table(part);
        var (from, to) = loaded.Range(part);
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        var range = $"run_id = '{loaded.RunId}' AND {IdRanges.Condition("customer_id", (from, to))}";
        await using (var transaction = await connection.BeginTransactionAsync(cancellationToken))
        {
            await connection.ExecuteAsync(
                $"DROP TABLE IF EXISTS {table}; CREATE TABLE {table} (LIKE customer_predictions INCLUDING DEFAULTS, CONSTRAINT ck_{table}_range CHECK ({range}))",
                cancellationToken);
            await using (var copy = await PgBinaryCopyWriter.BeginAsync(connection, $"COPY {table} ({CopyColumns}) FROM STDIN (FORMAT BINARY, FREEZE)", cancellationToken))
            {
                WriteRows(copy, loaded.RunId, predictions, from ?? long.MinValue, to, cancellationToken);
                await copy.CompleteAsync(cancellationToken);
            }

            await transaction.CommitAsync(cancellationToken);
        }

        await using (var transaction = await connection.BeginTransactionAsync(cancellationToken))
        {
            await connection.ExecuteAsync($"SET LOCAL max_parallel_maintenance_workers = 0; ALTER TABLE {table} ADD PRIMARY KEY (run_id, customer_id)", cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }
    }

    // The lowest customer id of each part after the first (IdRanges).
    private static long[] Bounds(ReadOnlySpan<long> ids)
    {
        var (min, max) = ids.IsEmpty ? (0L, 0L) : (ids[0], ids[0]);
        foreach (var id in ids)
        {
            (min, max) = (Math.Min(min, id), Math.Max(max, id));
        }

        return IdRanges.Bounds(min, max, Parts);
    }

    /// <summary>
    /// The count of committed erasures (<see cref="DataVersion.CountErasureAsync"/>). A run reads it
    /// before it reads its inputs and hands it to <see cref="ActivateAsync"/>.
    /// </summary>
    public Task<long> ErasuresAsync(CancellationToken cancellationToken) =>
        db.InTransactionAsync(DataVersion.ErasuresAsync, cancellationToken);

    /// <summary>
    /// Makes the loaded run the one readers see and drops the runs it replaced, in one transaction:
    /// the caller's when it has one, so that it can record the run's success in the same commit.
    /// <paramref name="erasuresBeforeRead"/> is <see cref="ErasuresAsync"/> read before the run read
    /// its inputs: while no erasure has committed since, no predicted customer can have been erased.
    /// With <paramref name="yieldToPinned"/> (a scheduled run) nothing changes while the active run
    /// is pinned (<see cref="PinnedActiveAsync(CancellationToken)"/>), and the answer is false; the caller then discards
    /// the loaded tables.
    /// </summary>
    public async Task<bool> ActivateAsync(LoadedPredictions loaded, long erasuresBeforeRead, bool yieldToPinned, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(loaded);
        var runId = loaded.RunId;
        var superseded = await db.WriteCustomerDataAsync(now, earliestDay: null, async (connection, ct) =>
        {
            // The active row stays locked to the commit: a run activated meanwhile waits for it,
            // and one activated before it is seen here.
            if (yieldToPinned && await PinnedActiveAsync(connection, ct))
            {
                return ((List<string>?)null, false);
            }

            for (var part = 0; part < Parts; part++)
            {
                var (from, to) = loaded.Range(part);
                await connection.ExecuteAsync(
                    $"ALTER TABLE customer_predictions ATTACH PARTITION {loaded.Table(part)} FOR VALUES FROM ('{runId}', {from?.ToString(CultureInfo.InvariantCulture) ?? "MINVALUE"}) TO ('{runId}', {to?.ToString(CultureInfo.InvariantCulture) ?? "MAXVALUE"})",
                    ct);
            }

            // Customers erased while the run computed lose their rows here; the erasure lock orders
            // this against any erasure still in flight, which then finds the rows attached. An erasure
            // that committed after the count was read shows in it: only then is there anything to
            // look for (the search reads every prediction of the run and every customer, a second at a million).
            var run = new NpgsqlParameter("run", runId);
            if (await DataVersion.ErasuresAsync(connection, ct) != erasuresBeforeRead)
            {
                await connection.ExecuteAsync(
                    "DELETE FROM customer_predictions p WHERE p.run_id = @run AND NOT EXISTS (SELECT 1 FROM customers c WHERE c.id = p.customer_id)",
                    ct,
                    run);
            }

            await connection.ExecuteAsync("""
                UPDATE model_runs SET is_active = false WHERE is_active AND id <> @run;
                UPDATE model_runs SET is_active = true WHERE id = @run;
                """, ct, run.Clone());
            await using var command = new NpgsqlCommand($"""
                SELECT c.relname FROM pg_inherits i
                JOIN pg_class c ON c.oid = i.inhrelid
                JOIN pg_class p ON p.oid = i.inhparent
                WHERE p.relname = 'customer_predictions' AND c.relname !~ '^{TablePrefix}{runId:N}_'
                """, connection);
            return (await ReadNamesAsync(command, ct), true);
        }, TransientRetry.None, cancellationToken);
        if (superseded is null)
        {
            return false;
        }

        await db.InTransactionAsync(async (connection, ct) =>
        {
            foreach (var name in superseded)
            {
                await connection.ExecuteAsync($"DROP TABLE IF EXISTS \"{name}\"", ct);
            }

            return superseded.Count;
        }, cancellationToken);
        return true;
    }

    /// <summary>
    /// Whether the active run is pinned: a user asked for it with <c>"activate": true</c>, and a
    /// scheduled run does not replace it (the option <c>pinned</c> of its stored options).
    /// </summary>
    public Task<bool> PinnedActiveAsync(CancellationToken cancellationToken) =>
        db.InTransactionAsync(PinnedActiveAsync, cancellationToken);

    private static async Task<bool> PinnedActiveAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "SELECT id FROM model_runs WHERE is_active AND coalesce((options ->> 'pinned')::boolean, false) FOR UPDATE",
            connection);
        return await command.ExecuteScalarAsync(cancellationToken) is not null;
    }

    /// <summary>Drops a run's tables that were loaded but never activated.</summary>
    public Task DiscardAsync(Guid runId, CancellationToken cancellationToken) =>
        db.InTransactionAsync(async (connection, ct) =>
        {
            for (var part = 0; part < Parts; part++)
            {
                await connection.ExecuteAsync($"DROP TABLE IF EXISTS {PartName(runId, part)}", ct);
            }

            return true;
        }, cancellationToken);

    /// <summary>
    /// Drops every run's table that no run needs any longer: a table is kept while its run is
    /// running (its instance may be loading it now; a run whose lease ran out is failed first, by
    /// <see cref="ModelRunLeases.FailExpiredAsync"/>) or is the active run's attached partition.
    /// What a run killed while it wrote (SIGKILL, a lost host), a discard that failed, or a swap cut
    /// off before it dropped the superseded partitions left behind goes. Returns the names dropped.
    /// </summary>
    /// <remarks>
    /// A run's status only moves forward (queued, running, then succeeded or failed) and a table
    /// is created only by its own running run, so a table judged unneeded stays unneeded; another
    /// instance dropping the same table meanwhile is harmless (<c>IF EXISTS</c>).
    /// </remarks>
    public async Task<List<string>> DropUnownedAsync(CancellationToken cancellationToken)
    {
        var names = await db.InTransactionAsync(async (connection, ct) =>
        {
            await using var command = new NpgsqlCommand($"""
                SELECT c.relname FROM pg_class c
                WHERE c.relnamespace = to_regnamespace(current_schema()) AND c.relkind = 'r' AND c.relname ~ '{RunTablePattern}'
                  AND NOT EXISTS (
                    SELECT 1 FROM model_runs r
                    WHERE substr(c.relname, {TablePrefix.Length + 1}, 32) = replace(r.id::text, '-', '')
                      AND (r.status = '{nameof(ModelRunStatus.Running)}' OR r.is_active))
                ORDER BY c.relname
                """, connection);
            return await ReadNamesAsync(command, ct);
        }, cancellationToken);

        foreach (var name in names)
        {
            await db.InTransactionAsync(async (connection, ct) =>
            {
                await connection.ExecuteAsync($"DROP TABLE IF EXISTS \"{name}\"", ct);
                return true;
            }, cancellationToken);
        }

        return names;
    }

    /// <summary>
    /// Deletes a customer's rows from every run's table not attached to <c>customer_predictions</c>
    /// (a running run's, or one a killed run left behind), inside the caller's erasure transaction;
    /// the attached partitions are reached through their parent. Returns the rows deleted.
    /// </summary>
    /// <remarks>
    /// A table dropped meanwhile (its run discarded or swept) is skipped: a savepoint undoes just
    /// the failed delete. Rows a running run COPYs after this commits (it read the customer before)
    /// are deleted at its activation (<see cref="ActivateAsync"/>) or dropped with the run.
    /// </remarks>
    public static async Task<long> EraseFromUnattachedAsync(NpgsqlConnection connection, long customerId, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(connection);
        await using var find = new NpgsqlCommand($"""
            SELECT c.relname FROM pg_class c
            WHERE c.relnamespace = to_regnamespace(current_schema()) AND c.relkind = 'r' AND NOT c.relispartition AND c.relname ~ '{RunTablePattern}'
            ORDER BY c.relname
            """, connection);
        long deleted = 0;
        foreach (var name in await ReadNamesAsync(find, ct))
        {
            await connection.ExecuteAsync("SAVEPOINT run_table", ct);
            try
            {
                await using var delete = new NpgsqlCommand($"DELETE FROM \"{name}\" WHERE customer_id = @id", connection);
                delete.Parameters.Add(new NpgsqlParameter("id", customerId));
                deleted += await delete.ExecuteNonQueryAsync(ct);
                await connection.ExecuteAsync("RELEASE SAVEPOINT run_table", ct);
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable)
            {
                await connection.ExecuteAsync("ROLLBACK TO SAVEPOINT run_table", ct);
            }
        }

        return deleted;
    }

    private static async Task<List<string>> ReadNamesAsync(NpgsqlCommand command, CancellationToken ct)
    {
        var names = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            names.Add(reader.GetString(0));
        }

        return names;
    }

    // Derived from a Guid and a number only, so it is safe to put in SQL text.
    internal static string PartName(Guid runId, int part) => $"{TablePrefix}{runId:N}_{part}";

    // A figure whose draws could not be evaluated (NaN) has no interval, as a run without intervals.
    private static void WriteInterval(PgBinaryCopyWriter copy, PredictionIntervals? intervals, int i)
    {
        if (intervals is null || double.IsNaN(intervals.ClvLower[i]))
        {
            copy.WriteNull();
            copy.WriteNull();
        }
        else
        {
            copy.WriteNumeric(PredictionColumns.Money(intervals.ClvLower[i]));
            copy.WriteNumeric(PredictionColumns.Money(intervals.ClvUpper[i]));
        }

        WriteUnlessNaN(copy, intervals?.PurchasesLower[i]);
        WriteUnlessNaN(copy, intervals?.PurchasesUpper[i]);
        WriteUnlessNaN(copy, intervals?.AliveLower[i]);
        WriteUnlessNaN(copy, intervals?.AliveUpper[i]);
    }

    private static void WriteUnlessNaN(PgBinaryCopyWriter copy, double? value)
    {
        if (value is { } v && !double.IsNaN(v))
        {
            copy.Write(v);
        }
        else
        {
            copy.WriteNull();
        }
    }

    // Synchronous and fully optimized from the first call: this runs once per run in a background
    // job, and a million rows of seventeen values is several times faster without an async call per
    // value or a first pass through unoptimized (tier-0) code.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void WriteRows(PgBinaryCopyWriter copy, Guid runId, PredictionColumns p, long from, long? to, CancellationToken cancellationToken)
    {
        var below = to ?? long.MaxValue;
        for (var i = 0; i < p.Count; i++)
        {
            if ((i & 0xFFFF) == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            if (p.CustomerIds[i] < from || (to is not null && p.CustomerIds[i] >= below))
            {
                continue;
            }

            copy.StartRow(17);
            copy.Write(runId);
            copy.Write(p.CustomerIds[i]);
            copy.Write(p.Frequency[i]);
            copy.Write(p.Recency[i]);
            copy.Write(p.Age[i]);
            copy.Write(p.ExpectedPurchases[i]);
            copy.Write(p.ProbabilityAlive[i]);
            copy.WriteNumeric(p.ExpectedAverageSpend[i]);
            copy.WriteNumeric(p.PredictedClv[i]);
            if (p.PredictedGrossProfitClv[i] is { } grossProfit)
            {
                copy.WriteNumeric(grossProfit);
            }
            else
            {
                copy.WriteNull();
            }

            copy.WriteNull(); // alternatives
            WriteInterval(copy, p.Intervals, i);
        }
    }
}

/// <summary>
/// A run's predictions loaded by <see cref="PredictionStore.LoadAsync"/>: table <c>k</c> holds the
/// customer ids from <c>Bounds[k - 1]</c> (none below, for the first) to below <c>Bounds[k]</c> (none
/// above, for the last).
/// </summary>
public sealed record LoadedPredictions(Guid RunId, IReadOnlyList<long> Bounds)
{
    /// <summary>The name of the table that holds part <paramref name="part"/>.</summary>
    public string Table(int part) => PredictionStore.PartName(RunId, part);

    /// <summary>The lowest customer id of a part and the lowest of the next, null at the ends.</summary>
    public (long? From, long? To) Range(int part) => IdRanges.Range(Bounds, part);
}
