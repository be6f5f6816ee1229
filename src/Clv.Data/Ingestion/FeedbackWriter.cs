using Clv.Data.Customers;
using Clv.Data.Infrastructure;
using Npgsql;
using NpgsqlTypes;

namespace Clv.Data.Ingestion;

/// <summary>
/// The write path for NPS and CSAT answers: the batch's customers are resolved through
/// <c>customer_keys</c>, unknown ones created as a profile without fields would create them
/// (<see cref="CustomerWriter"/>, in the same database transaction), the answers' keys inserted into
/// <c>feedback_keys</c> where new, and the answers whose key was new inserted into <c>feedback</c>.
/// An external id already stored, under any customer, is a duplicate: the first answer sent under
/// it stays, as for transactions. One database transaction: the caller's, or one of its own.
/// </summary>
public sealed class FeedbackWriter(ClvDbContext db, TransientRetry retry)
{
    /// <summary>Stores the rows; returns how many were inserted and how many were duplicates.</summary>
    /// <param name="rows">Validated rows; repeated external ids in the batch keep the first.</param>
    /// <param name="now">The ingest timestamp.</param>
    /// <param name="cancellationToken">Cancels the write; nothing of it is kept.</param>
    public async Task<WriteCounts> WriteAsync(IReadOnlyList<FeedbackRow> rows, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (rows.Count == 0)
        {
            return new WriteCounts(0, 0);
        }

        var seen = new HashSet<string>(rows.Count, StringComparer.Ordinal);
        var unique = rows.Where(r => seen.Add(r.ExternalId)).ToList();
        // Keys go in in id order: concurrent batches sharing ids wait for each other instead of deadlocking.
        unique.Sort((x, y) => string.CompareOrdinal(x.ExternalId, y.ExternalId));
        // An answer changes answers as of its day and later; the day before its UTC date is on or before it in any zone
        // (any day when it creates a customer).
        var earliestDay = DateOnly.FromDateTime(unique.Min(r => r.AnsweredAt).UtcDateTime).AddDays(-1);
        return await db.WriteCustomerDataAsync(now, earliestDay, async (connection, ct) =>
        {
            var (ids, created) = await CustomerWriter.ResolveAsync(connection, unique.Select(r => r.CustomerExternalId), now, ct);

            // Two statements, as for transactions: the keys are distributed by external id, the
            // answers by customer (docs/scale-out.md). A key a concurrent writer is inserting is waited for.
            var inserted = new HashSet<string>(StringComparer.Ordinal);
            await using (var keys = new NpgsqlCommand("""
                INSERT INTO feedback_keys (external_id, customer_id)
                SELECT external_id, customer_id FROM unnest(@ids, @customers) AS i(external_id, customer_id) ORDER BY external_id
                ON CONFLICT (external_id) DO NOTHING
                RETURNING external_id
                """, connection))
            {
                keys.Parameters.Add(CustomerWriter.Array("ids", NpgsqlDbType.Text, unique.Select(r => r.ExternalId)));
                keys.Parameters.Add(CustomerWriter.Array("customers", NpgsqlDbType.Bigint, unique.Select(r => ids[r.CustomerExternalId])));
                await using var reader = await keys.ExecuteReaderAsync(ct);
                while (await reader.ReadAsync(ct))
                {
                    inserted.Add(reader.GetString(0));
                }
            }

            var fresh = unique.FindAll(r => inserted.Contains(r.ExternalId));
            if (fresh.Count > 0)
            {
                await using var insert = new NpgsqlCommand("""
                    INSERT INTO feedback (customer_id, external_id, answered_at, kind, score, comment, ingested_at)
                    SELECT customer_id, external_id, answered_at, kind, score, comment, @now
                    FROM unnest(@customers, @ids, @answered, @kinds, @scores, @comments) AS i(customer_id, external_id, answered_at, kind, score, comment)
                    """, connection);
                insert.Parameters.Add(CustomerWriter.Array("customers", NpgsqlDbType.Bigint, fresh.Select(r => ids[r.CustomerExternalId])));
                insert.Parameters.Add(CustomerWriter.Array("ids", NpgsqlDbType.Text, fresh.Select(r => r.ExternalId)));
                insert.Parameters.Add(CustomerWriter.Array("answered", NpgsqlDbType.TimestampTz, fresh.Select(r => r.AnsweredAt)));
                insert.Parameters.Add(CustomerWriter.Array("kinds", NpgsqlDbType.Smallint, fresh.Select(r => (short)r.Kind)));
                insert.Parameters.Add(CustomerWriter.Array("scores", NpgsqlDbType.Smallint, fresh.Select(r => r.Score)));
                insert.Parameters.Add(CustomerWriter.Array("comments", NpgsqlDbType.Text, fresh.Select(r => r.Comment)));
                insert.Parameters.Add(new NpgsqlParameter("now", now));
                await insert.ExecuteNonQueryAsync(ct);
            }

            // A new customer whose answers were all duplicates stays unknown. One who stays has no
            // acquisition date, so counts as of every day, not only from their answers' days.
            var stay = await CustomerWriter.ForgetCreatedAsync(connection, created, fresh.Select(r => ids[r.CustomerExternalId]).ToHashSet(), ct);
            return (new WriteCounts(fresh.Count, rows.Count - fresh.Count), fresh.Count > 0 || stay > 0, stay > 0);
        }, retry, cancellationToken);
    }
}
