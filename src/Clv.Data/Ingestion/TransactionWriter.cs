using System.Runtime.CompilerServices;
using Clv.Data.Analytics;
using Clv.Data.Customers;
using Clv.Data.Infrastructure;
using Npgsql;
using NpgsqlTypes;

namespace Clv.Data.Ingestion;

/// <summary>
/// The bulk write path for transactions: binary COPY into a staging table, then set-based
/// statements that create unknown customers, insert new transactions (an external id already
/// stored is a duplicate), and keep the per-customer day rollup and summary current. All of it
/// runs in one database transaction: the caller's, or one of its own.
/// </summary>
public sealed class TransactionWriter(ClvDbContext db, TransientRetry retry)
{
    /// <summary>Stores the rows; returns how many were inserted and how many were duplicates.</summary>
    /// <param name="rows">Validated rows; repeated external ids in the batch keep the first.</param>
    /// <param name="now">The ingest timestamp, passed in rather than read from the database clock.</param>
    /// <param name="timeZone">IANA id of the reporting time zone that defines purchase days.</param>
    /// <param name="cancellationToken">Cancels the write; nothing of it is kept.</param>
    public async Task<WriteCounts> WriteAsync(IReadOnlyList<TransactionRow> rows, DateTimeOffset now, string timeZone, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (rows.Count == 0)
        {
            return new WriteCounts(0, 0);
        }

        return await db.InTransactionAsync(async (connection, ct) =>
        {
            await StageAsync(connection, rows, ct);
            var touched = new List<long>();
            await using (var create = new NpgsqlCommand(CreateCustomersSql, connection))
            {
                create.Parameters.Add(new NpgsqlParameter("now", now));
                await using var created = await create.ExecuteReaderAsync(ct);
                while (await created.ReadAsync(ct))
                {
                    touched.Add(created.GetInt64(0));
                }
            }


            long inserted = 0;
            await using (var command = new NpgsqlCommand(InsertTransactionsSql, connection))
            {
                command.Parameters.Add(new NpgsqlParameter("now", now));
                command.Parameters.Add(new NpgsqlParameter("tz", timeZone));
                await using var reader = await command.ExecuteReaderAsync(ct);
                while (await reader.ReadAsync(ct))
                {
                    touched.Add(reader.GetInt64(0));
                    inserted += reader.GetInt64(1);
                }
            }

            await CustomerSummaries.RecomputeAsync(connection, touched.Distinct().ToList(), ct);
            if (touched.Count > 0)
            {
                await DataVersion.BumpAsync(connection, now, ct);
            }

            return new WriteCounts(inserted, rows.Count - inserted);
        }, retry, cancellationToken);
    }

    private static async Task StageAsync(NpgsqlConnection connection, IReadOnlyList<TransactionRow> rows, CancellationToken ct)
    {
        // A chunk's sorts and hashes (tens of MB at 50,000 rows) then stay in memory instead of spilling.
        await connection.ExecuteAsync("SET LOCAL work_mem = '64MB'", ct);
        await CustomerErasure.ShareAsync(connection, ct);

        // An atomic import writes every chunk in one transaction, so the previous chunk's table
        // is still there (ON COMMIT DROP); a retried transaction starts without one.
        await connection.ExecuteAsync("""
            DROP TABLE IF EXISTS pg_temp.staging_transactions;
            CREATE TEMP TABLE staging_transactions (
                ord integer, external_id text, customer_external_id text, occurred_at timestamptz,
                type smallint, amount numeric(19,4), currency char(3), cost numeric(19,4),
                original_amount numeric(19,4), original_currency char(3), original_cost numeric(19,4), fx_rate numeric(19,10)
            ) ON COMMIT DROP
            """, ct);
        await using (var importer = await connection.BeginBinaryImportAsync(
            "COPY staging_transactions (ord, external_id, customer_external_id, occurred_at, type, amount, currency, cost, original_amount, original_currency, original_cost, fx_rate) FROM STDIN (FORMAT BINARY)", ct))
        {
            WriteRows(importer, rows);
            await importer.CompleteAsync(ct);
        }
    }

    // Synchronous writes into Npgsql's buffer, which flushes to the socket as it fills: an async
    // call per value costs more than the COPY itself at 50,000 rows of eight values. Optimized
    // from the first call, as a large import reaches it before tiered compilation would.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void WriteRows(NpgsqlBinaryImporter importer, IReadOnlyList<TransactionRow> rows)
    {
        for (var i = 0; i < rows.Count; i++)
        {
            var row = rows[i];
            importer.StartRow();
            importer.Write(i, NpgsqlDbType.Integer);
            importer.Write(row.ExternalId, NpgsqlDbType.Text);
            importer.Write(row.CustomerExternalId, NpgsqlDbType.Text);
            importer.Write(row.OccurredAt, NpgsqlDbType.TimestampTz);
            importer.Write((short)row.Type, NpgsqlDbType.Smallint);
            importer.Write(row.Amount, NpgsqlDbType.Numeric);
            importer.Write(row.Currency, NpgsqlDbType.Char);
            WriteNullable(importer, row.Cost, NpgsqlDbType.Numeric);
            WriteNullable(importer, row.OriginalAmount, NpgsqlDbType.Numeric);
            WriteNullable(importer, row.OriginalCurrency, NpgsqlDbType.Char);
            WriteNullable(importer, row.OriginalCost, NpgsqlDbType.Numeric);
            WriteNullable(importer, row.FxRate, NpgsqlDbType.Numeric);
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

    // Customers a batch names but the database does not know yet, acquired at their first
    // transaction of the batch (nothing older can be stored for a customer that did not exist).
    private const string CreateCustomersSql = """
        INSERT INTO customers (external_id, acquired_at, acquired_at_is_explicit, created_at, updated_at)
        SELECT customer_external_id, min(occurred_at), false, @now, @now FROM staging_transactions
        GROUP BY customer_external_id
        ORDER BY customer_external_id
        ON CONFLICT (external_id) DO NOTHING
        RETURNING id
        """;

    // One statement: the first of each external id in the batch is inserted unless already stored;
    // what was inserted is added to the day rollup, and moves acquired_at earlier where it still
    // follows the first transaction. Returns the customers touched and how many rows each gained.
    // The customer ids are looked up once per distinct customer through the unique index, so the
    // cost follows the batch, not the size of the customers table (a hash join would scan it all).
    private const string InsertTransactionsSql = $"""
        WITH customer_ids AS MATERIALIZED (
            SELECT k.external_id, (SELECT c.id FROM customers c WHERE c.external_id = k.external_id) AS id
            FROM (SELECT DISTINCT customer_external_id AS external_id FROM staging_transactions) k),
        batch AS (
            SELECT DISTINCT ON (s.external_id) s.*, c.id AS customer_id
            FROM staging_transactions s
            JOIN customer_ids c ON c.external_id = s.customer_external_id
            ORDER BY s.external_id, s.ord),
        inserted AS (
            INSERT INTO transactions (customer_id, external_id, occurred_at, type, amount, currency, cost,
                                      original_amount, original_currency, original_cost, fx_rate, ingested_at)
            SELECT customer_id, external_id, occurred_at, type, amount, currency, cost,
                   original_amount, original_currency, original_cost, fx_rate, @now FROM batch
            ON CONFLICT (external_id) DO NOTHING
            RETURNING customer_id, occurred_at, type, amount, cost),
        day_rollup AS (
            INSERT INTO customer_days AS d ({DayRollupSql.Columns})
            SELECT {DayRollupSql.SelectList}
            FROM inserted
            GROUP BY 1, 2
            ORDER BY 1, 2
            ON CONFLICT (customer_id, day) DO UPDATE SET
                purchase_count = d.purchase_count + excluded.purchase_count,
                refund_count = d.refund_count + excluded.refund_count,
                gross_revenue = d.gross_revenue + excluded.gross_revenue,
                refunds = d.refunds + excluded.refunds,
                cost = d.cost + excluded.cost,
                cost_count = d.cost_count + excluded.cost_count,
                first_purchase_at = LEAST(d.first_purchase_at, excluded.first_purchase_at),
                last_purchase_at = GREATEST(d.last_purchase_at, excluded.last_purchase_at)),
        acquired AS (
            UPDATE customers c SET acquired_at = f.first_at, updated_at = @now
            FROM (SELECT customer_id, min(occurred_at) AS first_at FROM inserted GROUP BY customer_id) f
            WHERE c.id = f.customer_id AND NOT c.acquired_at_is_explicit
              AND (c.acquired_at IS NULL OR c.acquired_at > f.first_at))
        SELECT customer_id, count(*) FROM inserted GROUP BY customer_id
        """;
}
