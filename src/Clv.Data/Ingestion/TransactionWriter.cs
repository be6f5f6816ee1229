using System.Runtime.CompilerServices;
using Clv.Data.Analytics;
using Clv.Data.Customers;
using Clv.Data.Infrastructure;
using Npgsql;
using NpgsqlTypes;

namespace Clv.Data.Ingestion;

/// <summary>
/// The bulk write path for transactions: the batch's customers are resolved to ids (unknown ones
/// created), the external ids already stored are found (they are duplicates), the new rows are
/// binary-COPied straight into <c>transactions</c>, and the customers touched are queued for the
/// rollups (<see cref="Rollups"/>). All of it runs in one database transaction: the caller's, or
/// one of its own.
/// </summary>
/// <remarks>
/// A concurrent writer may store one of the ids between the check and the COPY: the COPY then
/// fails on the key, and the transaction runs again (<see cref="TransientRetry"/>), this time
/// through a staging table and <c>INSERT ... ON CONFLICT DO NOTHING</c>, which waits for the other
/// writer instead of failing. Uncontended batches skip that path: its speculative insertion costs
/// every row twice the price of a plain one.
/// </remarks>
public sealed class TransactionWriter(ClvDbContext db, TransientRetry retry)
{
    /// <summary>Stores the rows; returns how many were inserted and how many were duplicates.</summary>
    /// <param name="rows">Validated rows; repeated external ids in the batch keep the first.</param>
    /// <param name="now">The ingest timestamp, passed in rather than read from the database clock.</param>
    /// <param name="cancellationToken">Cancels the write; nothing of it is kept.</param>
    public async Task<WriteCounts> WriteAsync(IReadOnlyList<TransactionRow> rows, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (rows.Count == 0)
        {
            return new WriteCounts(0, 0);
        }

        var batch = Batch.Of(rows);
        var contended = false;
        return await db.InTransactionAsync(async (connection, ct) =>
        {
            // A chunk's sorts and hashes (tens of MB at 50,000 rows) then stay in memory instead of spilling.
            await connection.ExecuteAsync("SET LOCAL work_mem = '64MB'", ct);
            await CustomerErasure.ShareAsync(connection, ct);
            var (ids, created) = await ResolveCustomersAsync(connection, batch, now, ct);
            var stored = await StoredIdsAsync(connection, batch.Rows, ct);
            var fresh = stored.Count == 0 ? batch.Rows : batch.Rows.FindAll(r => !stored.Contains(r.ExternalId));
            if (fresh.Count > 0)
            {
                try
                {
                    fresh = contended ? await InsertSkippingStoredAsync(connection, fresh, ids, now, ct) : await CopyAsync(connection, fresh, ids, now, ct);
                }
                catch (PostgresException e) when (e is { SqlState: PostgresErrorCodes.UniqueViolation, ConstraintName: TransientRetry.TransactionKeyConstraint })
                {
                    contended = true;
                    throw;
                }

                await AfterInsertAsync(connection, fresh, ids, created, now, ct);
            }

            var inserted = (long)fresh.Count;

            if (created.Count + inserted > 0)
            {
                await DataVersion.BumpAsync(connection, now, ct);
            }

            return new WriteCounts(inserted, rows.Count - inserted);
        }, retry, cancellationToken);
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
    // transaction of the batch (nothing older can be stored for a customer that did not exist) and
    // queued for the rollups, so they get their summary even when none of their rows is new.
    private static async Task<(Dictionary<string, long> Ids, HashSet<long> Created)> ResolveCustomersAsync(
        NpgsqlConnection connection, Batch batch, DateTimeOffset now, CancellationToken ct)
    {
        var ids = new Dictionary<string, long>(batch.Customers.Length, StringComparer.Ordinal);
        await using (var create = new NpgsqlCommand(CreateCustomersSql, connection))
        {
            create.Parameters.Add(CustomerWriter.Array("ids", NpgsqlDbType.Text, batch.Customers));
            create.Parameters.Add(CustomerWriter.Array("first", NpgsqlDbType.TimestampTz, batch.FirstAt));
            create.Parameters.Add(new NpgsqlParameter("now", now));
            await ReadIdsAsync(create, ids, ct);
        }

        var created = ids.Values.ToHashSet();
        if (created.Count < batch.Customers.Length)
        {
            await using var find = new NpgsqlCommand("SELECT external_id, id FROM customers WHERE external_id = ANY(@ids)", connection);
            find.Parameters.Add(CustomerWriter.Array("ids", NpgsqlDbType.Text, batch.Customers.Where(c => !ids.ContainsKey(c))));
            await ReadIdsAsync(find, ids, ct);
        }

        return (ids, created);
    }

    private static async Task ReadIdsAsync(NpgsqlCommand command, Dictionary<string, long> ids, CancellationToken ct)
    {
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            ids[reader.GetString(0)] = reader.GetInt64(1);
        }
    }

    // The external ids of the batch that are already stored, found through the key's index.
    private static async Task<HashSet<string>> StoredIdsAsync(NpgsqlConnection connection, List<TransactionRow> rows, CancellationToken ct)
    {
        var stored = new HashSet<string>(StringComparer.Ordinal);
        await using var command = new NpgsqlCommand("SELECT external_id FROM transactions WHERE external_id = ANY(@ids)", connection);
        command.Parameters.Add(CustomerWriter.Array("ids", NpgsqlDbType.Text, rows.Select(r => r.ExternalId)));
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            stored.Add(reader.GetString(0));
        }

        return stored;
    }

    private const string Columns = "customer_id, external_id, occurred_at, type, amount, currency, cost, original_amount, original_currency, original_cost, fx_rate, ingested_at";

    // Returns the rows, all inserted.
    private static async Task<List<TransactionRow>> CopyAsync(
        NpgsqlConnection connection, List<TransactionRow> rows, Dictionary<string, long> ids, DateTimeOffset now, CancellationToken ct)
    {
        await using var importer = await connection.BeginBinaryImportAsync($"COPY transactions ({Columns}) FROM STDIN (FORMAT BINARY)", ct);
        WriteRows(importer, rows, ids, now);
        await importer.CompleteAsync(ct);
        return rows;
    }

    // The contended path: returns the rows inserted, those another writer had not stored meanwhile.
    private static async Task<List<TransactionRow>> InsertSkippingStoredAsync(
        NpgsqlConnection connection, List<TransactionRow> rows, Dictionary<string, long> ids, DateTimeOffset now, CancellationToken ct)
    {
        // An atomic import writes every chunk in one transaction, so an earlier chunk's table may
        // still be there (ON COMMIT DROP).
        await connection.ExecuteAsync(
            "DROP TABLE IF EXISTS pg_temp.staging_transactions; CREATE TEMP TABLE staging_transactions ON COMMIT DROP AS SELECT * FROM transactions WITH NO DATA", ct);
        await using (var importer = await connection.BeginBinaryImportAsync($"COPY staging_transactions ({Columns}) FROM STDIN (FORMAT BINARY)", ct))
        {
            WriteRows(importer, rows, ids, now);
            await importer.CompleteAsync(ct);
        }

        var inserted = new HashSet<string>(StringComparer.Ordinal);
        await using (var command = new NpgsqlCommand(
            $"INSERT INTO transactions ({Columns}) SELECT {Columns} FROM staging_transactions ORDER BY external_id ON CONFLICT (external_id) DO NOTHING RETURNING external_id",
            connection))
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                inserted.Add(reader.GetString(0));
            }
        }

        return rows.FindAll(r => inserted.Contains(r.ExternalId));
    }

    // The customers of the new rows are queued for the rollups, and acquired_at moves earlier
    // where it still follows their first transaction. Customers created by this batch are queued
    // already and acquired at its first row: a large import of new customers skips this.
    private static async Task AfterInsertAsync(
        NpgsqlConnection connection, List<TransactionRow> rows, Dictionary<string, long> ids, HashSet<long> created, DateTimeOffset now, CancellationToken ct)
    {
        var first = new Dictionary<long, DateTimeOffset>();
        foreach (var row in rows)
        {
            var id = ids[row.CustomerExternalId];
            if (!created.Contains(id) && (!first.TryGetValue(id, out var at) || row.OccurredAt < at))
            {
                first[id] = row.OccurredAt;
            }
        }

        if (first.Count == 0)
        {
            return;
        }

        var customers = first.Keys.Order().ToArray();
        await using var command = new NpgsqlCommand(AfterInsertSql, connection);
        command.Parameters.Add(CustomerWriter.Array("ids", NpgsqlDbType.Bigint, customers));
        command.Parameters.Add(CustomerWriter.Array("first", NpgsqlDbType.TimestampTz, customers.Select(c => first[c])));
        command.Parameters.Add(new NpgsqlParameter("now", now));
        await command.ExecuteNonQueryAsync(ct);
    }

    // Synchronous writes into Npgsql's buffer, which flushes to the socket as it fills: an async
    // call per value costs more than the COPY itself at 50,000 rows of twelve values. Optimized
    // from the first call, as a large import reaches it before tiered compilation would.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void WriteRows(NpgsqlBinaryImporter importer, List<TransactionRow> rows, Dictionary<string, long> ids, DateTimeOffset now)
    {
        var lastCustomer = "";
        var lastId = 0L;
        foreach (var row in rows)
        {
            if (!ReferenceEquals(row.CustomerExternalId, lastCustomer))
            {
                (lastCustomer, lastId) = (row.CustomerExternalId, ids[row.CustomerExternalId]);
            }

            importer.StartRow();
            importer.Write(lastId, NpgsqlDbType.Bigint);
            importer.Write(row.ExternalId, NpgsqlDbType.Text);
            importer.Write(row.OccurredAt, NpgsqlDbType.TimestampTz);
            importer.Write((short)row.Type, NpgsqlDbType.Smallint);
            importer.Write(row.Amount, NpgsqlDbType.Numeric);
            importer.Write(row.Currency, NpgsqlDbType.Char);
            WriteNullable(importer, row.Cost, NpgsqlDbType.Numeric);
            WriteNullable(importer, row.OriginalAmount, NpgsqlDbType.Numeric);
            WriteNullable(importer, row.OriginalCurrency, NpgsqlDbType.Char);
            WriteNullable(importer, row.OriginalCost, NpgsqlDbType.Numeric);
            WriteNullable(importer, row.FxRate, NpgsqlDbType.Numeric);
            importer.Write(now, NpgsqlDbType.TimestampTz);
        }
    }

    private static void WriteNullable<T>(NpgsqlBinaryImporter importer, T? value, NpgsqlDbType type)
    {
        if (value is null)
        {
            importer.WriteNull();
        }
        else
        {
            importer.Write(value, type);
        }
    }

    private const string CreateCustomersSql = """
        WITH created AS (
            INSERT INTO customers (external_id, acquired_at, acquired_at_is_explicit, created_at, updated_at)
            SELECT external_id, first_at, false, @now, @now FROM unnest(@ids, @first) AS i(external_id, first_at)
            ON CONFLICT (external_id) DO NOTHING
            RETURNING external_id, id),
        queued AS (INSERT INTO rollup_queue (customer_id) SELECT id FROM created)
        SELECT external_id, id FROM created
        """;

    private const string AfterInsertSql = """
        WITH touched AS (SELECT * FROM unnest(@ids, @first) AS t(customer_id, first_at)),
        queued AS (INSERT INTO rollup_queue (customer_id) SELECT customer_id FROM touched)
        UPDATE customers c SET acquired_at = t.first_at, updated_at = @now
        FROM touched t
        WHERE c.id = t.customer_id AND NOT c.acquired_at_is_explicit
          AND (c.acquired_at IS NULL OR c.acquired_at > t.first_at)
        """;
}
