using System.Runtime.CompilerServices;
using Clv.Data.Analytics;
using Clv.Data.Customers;
using Clv.Data.Infrastructure;
using Clv.Data.Rollups;
using Npgsql;
using NpgsqlTypes;

namespace Clv.Data.Ingestion;

/// <summary>
/// The bulk write path for transactions: the batch's customers are resolved to ids through
/// <c>customer_keys</c> (unknown ones created), the external ids already stored are found in
/// <c>transaction_keys</c> (they are duplicates), the new rows and their keys are binary-COPied
/// straight into <c>transactions</c> and <c>transaction_keys</c>, and the rollups of the customers touched are
/// brought up to date (<see cref="RollupWriter"/>). All of it runs in one database transaction: the
/// caller's, or one of its own.
/// </summary>
/// <remarks>
/// A concurrent writer may store one of the ids between the check and the COPY: the COPY of the
/// keys then fails, and the transaction runs again (<see cref="TransientRetry"/>), this time
/// through a staging table and <c>INSERT ... ON CONFLICT DO NOTHING</c> on the keys, which waits
/// for the other writer instead of failing. Uncontended batches skip that path: its speculative insertion costs
/// every row twice the price of a plain one.
/// </remarks>
public sealed class TransactionWriter(ClvDbContext db, TransientRetry retry)
{
    /// <summary>Stores the rows; returns how many were inserted and how many were duplicates.</summary>
    /// <param name="rows">Validated rows; repeated external ids in the batch keep the first.</param>
    /// <param name="timeZone">The reporting time zone, whose calendar days the rollups hold.</param>
    /// <param name="now">The ingest timestamp, passed in rather than read from the database clock.</param>
    /// <param name="cancellationToken">Cancels the write; nothing of it is kept.</param>
    /// <remarks>
    /// In a transaction of its own the write bumps the data version; inside the caller's, the
    /// caller calls <see cref="MarkChangedAsync"/> just before it commits, so that a long atomic
    /// import does not hold the version's row, which every writer updates, for its whole length.
    /// </remarks>
    public async Task<WriteCounts> WriteAsync(IReadOnlyList<TransactionRow> rows, TimeZoneInfo timeZone, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (rows.Count == 0)
        {
            return new WriteCounts(0, 0);
        }

        var batch = Batch.Of(rows);
        var contended = false;

        // Inside the caller's transaction (an atomic import) a failed COPY cannot be run again: take
        // no chance on the customers and look every row up.
        var cautious = db.Database.CurrentTransaction is not null;
        // The day before the UTC date of the earliest row is on or before its day in any time
        // zone: answers as of days before it stand (the rows are all, or the customers' first).
        var earliestDay = DateOnly.FromDateTime(batch.Rows.Min(r => r.OccurredAt).UtcDateTime).AddDays(-1);
        return await db.WriteCustomerDataAsync(now, earliestDay, async (connection, ct) =>
        {
            // A chunk's sorts and hashes (tens of MB at 50,000 rows) then stay in memory instead of spilling.
            await connection.ExecuteAsync(NpgsqlConnectionExtensions.LargeWorkMemSql, ct);
            try
            {
                // An atomic import bumps the data version once, at its end (MarkChangedAsync).
                var (inserted, created, dated) = await StoreAsync(connection, batch, contended, cautious, timeZone, now, ct);
                return (new WriteCounts(inserted, rows.Count - inserted), created + inserted > 0 && !cautious, dated);
            }
            catch (PostgresException e) when (e is
            {
                SqlState: PostgresErrorCodes.UniqueViolation,
                ConstraintName: TransientRetry.TransactionKeyConstraint or TransientRetry.CustomerKeyConstraint,
            })
            {
                contended = true;
                throw;
            }
        }, retry, cancellationToken);
    }

    // Uncontended, new customers and new rows are COPYed; the rows of customers created just now
    // are new unless their id was stored for another customer, and then the COPY fails on the key.
    // Contended (a key conflict sent the transaction round again), every customer and row goes
    // through INSERT ... ON CONFLICT, which waits for the other writer instead of failing. Cautious,
    // customers are upserted and every row is looked up before the COPY.
    // Dated: a known customer without an acquisition date got one (they counted as of every day before).
    private static async Task<(long Inserted, int Created, bool Dated)> StoreAsync(
        NpgsqlConnection connection, Batch batch, bool contended, bool cautious, TimeZoneInfo timeZone, DateTimeOffset now, CancellationToken ct)
    {
        var safe = contended || cautious;
        var (ids, created) = safe ? await UpsertCustomersAsync(connection, batch, now, ct) : await CopyCustomersAsync(connection, batch, now, ct);
        var rows = CustomerRows.Of(batch.Rows, ids);
        var known = safe || created.Count == 0 ? rows : rows.Where((_, customer) => !created.Contains(customer));
        var stored = known.Count == 0 ? [] : await StoredIdsAsync(connection, known.Rows, ct);
        var fresh = stored.Count == 0 ? rows : rows.Where((row, _) => !stored.Contains(row.ExternalId));
        var inserted = fresh.Count == 0 ? fresh
            : contended ? await InsertSkippingStoredAsync(connection, fresh, now, ct) : await CopyAsync(connection, fresh, now, ct);
        if (safe)
        {
            await ForgetCreatedWithoutRowsAsync(connection, batch, ids, created, inserted, ct);
        }

        var dated = false;
        if (inserted.Count > 0 || created.Count > 0)
        {
            // The group rollup loses the known customers' contributions once their summaries are
            // locked (RollupWriter), and gets everyone's back once their days and acquisition moved.
            var periods = await PeriodRollups.OpenAsync(connection, ct);
            var (hadDays, firstTime, allDaysOf) = await RollupWriter.AddAsync(connection, inserted, created, timeZone, periods, ct);
            dated = await AfterInsertAsync(connection, inserted, created, now, ct);
            await periods.StageStoredAsync(connection, hadDays, 1, ct);
            await periods.AddFromDaysAsync(connection, CreatedAt(batch, ids, created), firstTime, allDaysOf, ct);
        }

        return (inserted.Count, created.Count, dated);
    }

    // A customer this write created whose every row was a stored id (a retry of rows stored under
    // another customer, say) came with nothing: dropped again, so that a duplicate changes nothing.
    // Only the contended and cautious paths create such a customer: on the fast path a stored id
    // fails the COPY of the keys. Nothing else of theirs was written yet.
    private static async Task ForgetCreatedWithoutRowsAsync(
        NpgsqlConnection connection, Batch batch, Dictionary<string, long> ids, HashSet<long> created, CustomerRows inserted, CancellationToken ct)
    {
        if (created.Count == 0)
        {
            return;
        }

        var withRows = new HashSet<long>(inserted.Customers);
        var empty = batch.Customers.Where(c => ids.TryGetValue(c, out var id) && created.Contains(id) && !withRows.Contains(id)).ToArray();
        if (empty.Length == 0)
        {
            return;
        }

        await CustomerWriter.DropAsync(connection, [.. empty.Select(c => (c, ids[c]))], ct);
        foreach (var customer in empty)
        {
            created.Remove(ids[customer]);
        }
    }

    // The customers this write created, with the acquisition time it gave them: their first row's.
    private static Dictionary<long, DateTimeOffset> CreatedAt(Batch batch, Dictionary<string, long> ids, HashSet<long> created)
    {
        var acquired = new Dictionary<long, DateTimeOffset>(created.Count);
        for (var i = 0; i < batch.Customers.Length && created.Count > 0; i++)
        {
            if (ids.TryGetValue(batch.Customers[i], out var id) && created.Contains(id))
            {
                acquired[id] = batch.FirstAt[i];
            }
        }

        return acquired;
    }

    // The rows to store (the first of each external id) and the batch's customers with the time of
    // their first row.
    private sealed record Batch(List<TransactionRow> Rows, string[] Customers, DateTimeOffset[] FirstAt)
    {
        public static Batch Of(IReadOnlyList<TransactionRow> rows)
        {
            var seen = new HashSet<string>(rows.Count, StringComparer.Ordinal);
            var unique = new List<TransactionRow>(rows.Count);
            var first = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
            foreach (var row in rows)
            {
                if (!seen.Add(row.ExternalId))
                {
                    continue;
                }

                unique.Add(row);
                if (!first.TryGetValue(row.CustomerExternalId, out var at) || row.OccurredAt < at)
                {
                    first[row.CustomerExternalId] = row.OccurredAt;
                }
            }

            // Rows and customers go in in id order: concurrent batches sharing ids then lock them in
            // the same order, and wait for each other instead of deadlocking.
            unique.Sort((x, y) => string.CompareOrdinal(x.ExternalId, y.ExternalId));
            var customers = first.Keys.Order(StringComparer.Ordinal).ToArray();
            return new Batch(unique, customers, Array.ConvertAll(customers, c => first[c]));
        }
    }

    // Each customer's id; those the database does not know yet are created, acquired at their first
    // transaction of the batch (nothing older can be stored for a customer that did not exist),
    // and get their summary even when none of their rows is new (RollupWriter). The
    // known ones are looked up, and the new ones COPYed with ids drawn from the sequence: a
    // customer created by a concurrent writer in between fails the COPY on the key.
    private static async Task<(Dictionary<string, long> Ids, HashSet<long> Created)> CopyCustomersAsync(
        NpgsqlConnection connection, Batch batch, DateTimeOffset now, CancellationToken ct)
    {
        var ids = new Dictionary<string, long>(batch.Customers.Length, StringComparer.Ordinal);
        await FindIdsAsync(connection, batch.Customers, ids, ct);
        var missing = Enumerable.Range(0, batch.Customers.Length).Where(i => !ids.ContainsKey(batch.Customers[i])).ToArray();
        if (missing.Length == 0)
        {
            return (ids, []);
        }

        var created = new long[missing.Length];
        // OFFSET 0 keeps the sequence's lookup in its subquery: pulled up, it ran once per id drawn.
        await using (var draw = new NpgsqlCommand("SELECT nextval(s.seq) FROM (SELECT pg_get_serial_sequence('customers', 'id')::regclass AS seq OFFSET 0) s, generate_series(1, @n)", connection))
        {
            draw.Parameters.Add(new NpgsqlParameter("n", missing.Length));
            await using var reader = await draw.ExecuteReaderAsync(ct);
            for (var k = 0; await reader.ReadAsync(ct); k++)
            {
                created[k] = reader.GetInt64(0);
            }
        }

        // The keys first: a customer a concurrent writer created meanwhile fails here, before more is written.
        await using (var copy = await PgBinaryCopyWriter.BeginAsync(connection, "COPY customer_keys (external_id, customer_id) FROM STDIN (FORMAT BINARY)", ct))
        {
            for (var k = 0; k < missing.Length; k++)
            {
                copy.StartRow(2);
                copy.Write(batch.Customers[missing[k]]);
                copy.Write(created[k]);
                ids[batch.Customers[missing[k]]] = created[k];
            }

            await copy.CompleteAsync(ct);
        }

        await CopyNewCustomersAsync(connection, batch, missing, created, now, ct);

        return (ids, [.. created]);
    }

    // As CopyCustomersAsync, through INSERT ... ON CONFLICT, for a batch that met a concurrent writer.
    private static async Task<(Dictionary<string, long> Ids, HashSet<long> Created)> UpsertCustomersAsync(
        NpgsqlConnection connection, Batch batch, DateTimeOffset now, CancellationToken ct)
    {
        var ids = new Dictionary<string, long>(batch.Customers.Length, StringComparer.Ordinal);
        await using (var create = new NpgsqlCommand(CustomerWriter.CreateKeysSql, connection))
        {
            create.Parameters.Add(CustomerWriter.Array("ids", NpgsqlDbType.Text, batch.Customers));
            await ReadIdsAsync(create, ids, ct);
        }

        var created = ids.Values.ToHashSet();
        if (created.Count > 0)
        {
            var createdAt = Enumerable.Range(0, batch.Customers.Length).Where(i => ids.ContainsKey(batch.Customers[i])).ToArray();
            await CopyNewCustomersAsync(connection, batch, createdAt, Array.ConvertAll(createdAt, i => ids[batch.Customers[i]]), now, ct);
        }

        if (created.Count < batch.Customers.Length)
        {
            await FindIdsAsync(connection, batch.Customers.Where(c => !ids.ContainsKey(c)), ids, ct);
        }

        return (ids, created);
    }

    // Adds the ids of the customers already stored among externalIds. Every lookup by a list of
    // ids joins the list (unnest) rather than testing "= ANY(@ids)": a plan cached while the tables
    // were small can scan them with that test, which compares every row with every id (an import
    // of 700,000 rows took 100 s instead of 9 when it happened).
    internal static async Task FindIdsAsync(NpgsqlConnection connection, IEnumerable<string> externalIds, Dictionary<string, long> ids, CancellationToken ct)
    {
        await using var find = new NpgsqlCommand("SELECT k.external_id, k.customer_id FROM unnest(@ids) AS i(external_id) JOIN customer_keys k USING (external_id)", connection);
        find.Parameters.Add(CustomerWriter.Array("ids", NpgsqlDbType.Text, externalIds));
        await ReadIdsAsync(find, ids, ct);
    }

    internal static async Task ReadIdsAsync(NpgsqlCommand command, Dictionary<string, long> ids, CancellationToken ct)
    {
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            ids[reader.GetString(0)] = reader.GetInt64(1);
        }
    }

    // The external ids of the batch that are already stored, under any customer.
    private static async Task<HashSet<string>> StoredIdsAsync(NpgsqlConnection connection, TransactionRow[] rows, CancellationToken ct)
    {
        var stored = new HashSet<string>(StringComparer.Ordinal);
        await using var command = new NpgsqlCommand("SELECT k.external_id FROM unnest(@ids) AS i(external_id) JOIN transaction_keys k USING (external_id)", connection);
        command.Parameters.Add(CustomerWriter.Array("ids", NpgsqlDbType.Text, rows.Select(r => r.ExternalId)));
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            stored.Add(reader.GetString(0));
        }

        return stored;
    }

    private const string Columns = "customer_id, external_id, occurred_at, type, amount, currency, cost, original_amount, original_currency, original_cost, fx_rate, ingested_at";

    /// <summary>
    /// Bumps the data version in the caller's transaction, after the writes of an atomic import:
    /// call it just before the commit.
    /// </summary>
    public Task MarkChangedAsync(DateTimeOffset now, CancellationToken cancellationToken) =>
        db.InTransactionAsync(async (connection, ct) =>
        {
            await DataVersion.BumpAsync(connection, now, ct);
            return true;
        }, cancellationToken);

    // Returns the rows, all inserted, in customer order. The keys go in external id order, the
    // order in which concurrent writers lock them; the rows in customer order, so that their
    // primary key's inserts follow it (at its right edge for new customers): a third less of that
    // COPY's time at ×10 (docs/benchmarks.md).
    private static async Task<CustomerRows> CopyAsync(NpgsqlConnection connection, CustomerRows rows, DateTimeOffset now, CancellationToken ct)
    {
        await using (var keys = await PgBinaryCopyWriter.BeginAsync(connection, "COPY transaction_keys (external_id, customer_id) FROM STDIN (FORMAT BINARY)", ct))
        {
            WriteKeys(keys, rows);
            await keys.CompleteAsync(ct);
        }

        var byCustomer = rows.ByCustomer();
        await using var copy = await PgBinaryCopyWriter.BeginAsync(connection, $"COPY transactions ({Columns}) FROM STDIN (FORMAT BINARY)", ct);
        WriteRows(copy, byCustomer, now);
        await copy.CompleteAsync(ct);
        return byCustomer;
    }

    // The contended path: returns the rows inserted, those another writer had not stored
    // meanwhile, in customer order.
    private static async Task<CustomerRows> InsertSkippingStoredAsync(NpgsqlConnection connection, CustomerRows rows, DateTimeOffset now, CancellationToken ct)
    {
        // An atomic import writes every chunk in one transaction, so an earlier chunk's table may
        // still be there (ON COMMIT DROP).
        await connection.ExecuteAsync(
            "DROP TABLE IF EXISTS pg_temp.staging_transactions; CREATE TEMP TABLE staging_transactions ON COMMIT DROP AS SELECT * FROM transactions WITH NO DATA", ct);
        await using (var copy = await PgBinaryCopyWriter.BeginAsync(connection, $"COPY staging_transactions ({Columns}) FROM STDIN (FORMAT BINARY)", ct))
        {
            WriteRows(copy, rows, now);
            await copy.CompleteAsync(ct);
        }

        // The keys decide which rows are new: those whose key this statement inserted.
        var inserted = new HashSet<string>(StringComparer.Ordinal);
        await using (var command = new NpgsqlCommand("""
            WITH keyed AS (
                INSERT INTO transaction_keys (external_id, customer_id)
                SELECT external_id, customer_id FROM staging_transactions ORDER BY external_id
                ON CONFLICT (external_id) DO NOTHING
                RETURNING external_id)
            SELECT external_id FROM keyed
            """, connection))
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                inserted.Add(reader.GetString(0));
            }
        }

        await using (var insert = new NpgsqlCommand(
            $"INSERT INTO transactions ({Columns}) SELECT {Columns} FROM staging_transactions JOIN unnest(@ids) AS i(external_id) USING (external_id)", connection))
        {
            insert.Parameters.Add(CustomerWriter.Array("ids", NpgsqlDbType.Text, inserted));
            await insert.ExecuteNonQueryAsync(ct);
        }

        return rows.Where((row, _) => inserted.Contains(row.ExternalId)).ByCustomer();
    }

    // acquired_at moves earlier where it still follows the customer's first transaction. Customers
    // created by this batch are acquired at its first row: a large import of new customers skips
    // this. The rows come in customer order. Answers whether one of them had no acquisition date.
    // The customers' rows are locked in id order (a hash join would meet them in the table's),
    // the order a profile write locks them in: the two wait for each other without deadlocking.
    private static async Task<bool> AfterInsertAsync(
        NpgsqlConnection connection, CustomerRows rows, HashSet<long> created, DateTimeOffset now, CancellationToken ct)
    {
        var customers = new List<long>();
        var first = new List<DateTimeOffset>();
        for (var i = 0; i < rows.Count; i++)
        {
            var (id, at) = (rows.Customers[i], rows.Rows[i].OccurredAt);
            if (created.Contains(id))
            {
                continue;
            }

            if (customers.Count > 0 && customers[^1] == id)
            {
                first[^1] = at < first[^1] ? at : first[^1];
            }
            else
            {
                customers.Add(id);
                first.Add(at);
            }
        }

        if (customers.Count == 0)
        {
            return false;
        }

        await using var command = new NpgsqlCommand(AfterInsertSql, connection);
        command.Parameters.Add(CustomerWriter.Array("ids", NpgsqlDbType.Bigint, customers));
        command.Parameters.Add(CustomerWriter.Array("first", NpgsqlDbType.TimestampTz, first));
        command.Parameters.Add(new NpgsqlParameter("now", now));
        return (bool)(await command.ExecuteScalarAsync(ct))!;
    }

    // Synchronous writes into the COPY's buffer, which flushes to the socket as it fills: an async
    // call per value costs more than the COPY itself at 50,000 rows of twelve values. Optimized
    // from the first call, as a large import reaches it before tiered compilation would.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void WriteRows(PgBinaryCopyWriter copy, CustomerRows rows, DateTimeOffset now)
    {
        for (var i = 0; i < rows.Count; i++)
        {
            var row = rows.Rows[i];
            copy.StartRow(12);
            copy.Write(rows.Customers[i]);
            copy.Write(row.ExternalId);
            copy.Write(row.OccurredAt);
            copy.Write((short)row.Type);
            copy.WriteNumeric(row.Amount);
            copy.Write(row.Currency);
            copy.WriteNumeric(row.Cost);
            copy.WriteNumeric(row.OriginalAmount);
            copy.Write(row.OriginalCurrency);
            copy.WriteNumeric(row.OriginalCost);
            copy.WriteNumeric(row.FxRate);
            copy.Write(now);
        }
    }

    // Synchronous, as WriteRows.
    private static void WriteKeys(PgBinaryCopyWriter copy, CustomerRows rows)
    {
        for (var i = 0; i < rows.Count; i++)
        {
            copy.StartRow(2);
            copy.Write(rows.Rows[i].ExternalId);
            copy.Write(rows.Customers[i]);
        }
    }

    // The customers whose keys were just created, COPYed with those ids.
    private static async Task CopyNewCustomersAsync(NpgsqlConnection connection, Batch batch, int[] missing, long[] ids, DateTimeOffset now, CancellationToken ct)
    {
        await using var copy = await PgBinaryCopyWriter.BeginAsync(
            connection, "COPY customers (id, external_id, acquired_at, acquired_at_is_explicit, created_at, updated_at) FROM STDIN (FORMAT BINARY)", ct);
        WriteCustomers(copy, batch, missing, ids, now);
        await copy.CompleteAsync(ct);
    }

    // Synchronous, as WriteRows.
    private static void WriteCustomers(PgBinaryCopyWriter copy, Batch batch, int[] missing, long[] ids, DateTimeOffset now)
    {
        for (var k = 0; k < missing.Length; k++)
        {
            var i = missing[k];
            copy.StartRow(6);
            copy.Write(ids[k]);
            copy.Write(batch.Customers[i]);
            copy.Write(batch.FirstAt[i]);
            copy.Write(false);
            copy.Write(now);
            copy.Write(now);
        }
    }

    private const string AfterInsertSql = """
        SELECT EXISTS (SELECT FROM customers WHERE id = ANY(@ids) AND acquired_at IS NULL);
        WITH moving AS (
            SELECT c.id, t.first_at
            FROM unnest(@ids, @first) AS t(customer_id, first_at)
            JOIN customers c ON c.id = t.customer_id
            WHERE NOT c.acquired_at_is_explicit AND (c.acquired_at IS NULL OR c.acquired_at > t.first_at)
            ORDER BY c.id
            FOR UPDATE OF c)
        UPDATE customers c SET acquired_at = m.first_at, updated_at = @now
        FROM moving m
        WHERE c.id = m.id
        """;
}
