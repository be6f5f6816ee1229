using Clv.Data.Analytics;
using Clv.Data.Infrastructure;
using Clv.Data.ModelRuns;
using Clv.Data.Rollups;
using Npgsql;

namespace Clv.Data.Customers;

/// <summary>What erasing one customer removed.</summary>
/// <param name="Transactions">Their purchases and refunds.</param>
/// <param name="PurchaseDays">Their rows of the day rollup.</param>
/// <param name="Predictions">Their predictions, over every model run's table, attached or not.</param>
/// <param name="Feedback">Their NPS and CSAT answers, comments included.</param>
/// <param name="Subscriptions">Their subscriptions.</param>
public sealed record ErasedCounts(long Transactions, long PurchaseDays, long Predictions, long Feedback, long Subscriptions);

/// <summary>
/// The right to erasure: a customer and everything derived from them, removed in one database
/// transaction. Writers that add rows keyed by a customer id hold <see cref="ShareAsync"/> for
/// their transaction, so an erasure never races an ingest into leaving orphan rows behind.
/// </summary>
public static class CustomerErasure
{
    /// <summary>The advisory lock that writers share and an erasure holds alone for its few statements.</summary>
    public const long LockKey = 0x436c_7645_7261_7365; // "ClvErase"

    /// <summary>
    /// How long an erasure waits for writers in flight (a long atomic CSV import, say) before it
    /// gives up; writers queue behind a waiting erasure, so this bounds their wait too.
    /// </summary>
    public const int LockTimeoutSeconds = 10;

    /// <summary>
    /// Takes the shared side of the erasure lock for the current transaction. Call it first in
    /// any transaction that inserts rows keyed by a customer id.
    /// </summary>
    public static Task ShareAsync(NpgsqlConnection connection, CancellationToken ct) =>
        connection.ExecuteAsync($"SELECT pg_advisory_xact_lock_shared({LockKey})", ct);

    /// <summary>
    /// Takes the erasure lock alone for the current transaction, without a timeout: no writer of
    /// customer rows runs until it commits. For short maintenance steps that every writer must see
    /// whole (<see cref="Rollups.RollupRebuilder"/>).
    /// </summary>
    public static Task ExcludeWritersAsync(NpgsqlConnection connection, CancellationToken ct) =>
        connection.ExecuteAsync($"SELECT pg_advisory_xact_lock({LockKey})", ct);

    /// <summary>
    /// Removes the customer with <paramref name="externalId"/>, their transactions, feedback answers, subscriptions, day rollup,
    /// summary and predictions (every run's table, attached or still loading) in one database transaction; null when no
    /// customer has that id. This is the one place a customer's data is deleted: anything that must
    /// happen with every erasure belongs inside this transaction: it bumps the data version, so the
    /// kept analytics answers drop the customer too. A transient failure (serialization, deadlock, a lost
    /// connection) re-runs the transaction whole, as <paramref name="retry"/> allows: a failed attempt
    /// rolled back, and an attempt whose commit answer was lost finds no customer the second time
    /// (null). Waiting out the lock is not retried: it already waited <see cref="LockTimeoutSeconds"/>.
    /// </summary>
    public static Task<ErasedCounts?> EraseAsync(this ClvDbContext db, string externalId, DateTimeOffset now, TransientRetry retry, CancellationToken cancellationToken) =>
        db.InTransactionAsync<ErasedCounts?>(async (connection, ct) =>
        {
            await connection.ExecuteAsync($"SET LOCAL lock_timeout = '{LockTimeoutSeconds}s'; SELECT pg_advisory_xact_lock({LockKey})", ct);
            await using var find = new NpgsqlCommand("SELECT c.id FROM customer_keys k JOIN customers c ON c.id = k.customer_id WHERE k.external_id = @external_id FOR UPDATE OF c", connection);
            find.Parameters.Add(new NpgsqlParameter("external_id", externalId));
            if (await find.ExecuteScalarAsync(ct) is not long id)
            {
                return null;
            }

            // The erasure holds the writers' lock alone: no other writer changes the customer meanwhile.
            var periods = await PeriodRollups.OpenAsync(connection, ct);
            await periods.StageStoredAsync(connection, [id], -1, ct);
            await periods.WriteStagedAsync(connection, ct);
            var predictions = await DeleteAsync(connection, "customer_predictions", id, ct)
                + await PredictionStore.EraseFromUnattachedAsync(connection, id, ct);
            var days = await DeleteAsync(connection, "customer_days", id, ct);
            var transactions = await DeleteWithKeysAsync(connection, "transactions", "transaction_keys", id, ct);
            // Answers with their comments, and their keys: a resent answer id is new data afterwards.
            var feedback = await DeleteWithKeysAsync(connection, "feedback", "feedback_keys", id, ct);
            var subscriptions = await DeleteWithKeysAsync(connection, "subscriptions", "subscription_keys", id, ct);
            await DeleteAsync(connection, "customer_summaries", id, ct);
            // The stored rankings name a customer where one bounds a CLV tier: they go too, and are
            // ranked again when next asked (docs/read-model.md).
            await connection.ExecuteAsync(
                "DELETE FROM customer_keys WHERE external_id = @external_id; DELETE FROM customers WHERE id = @id; DELETE FROM analytics_rankings WHERE @id = ANY(tier_ids)", ct,
                new NpgsqlParameter("external_id", externalId), new NpgsqlParameter("id", id));
            await DataVersion.BumpAsync(connection, now, ct);
            await DataVersion.CountErasureAsync(connection, ct);
            return new ErasedCounts(transactions, days, predictions, feedback, subscriptions);
        }, retry, cancellationToken);

    // Deletes the customer's rows of a table and the keys of their external ids. Two statements,
    // not a join: the keys are keyed by external id, the rows by customer, and on Citus the two live
    // on different shards (docs/scale-out.md). The table names are constants, never input.
    private static async Task<long> DeleteWithKeysAsync(NpgsqlConnection connection, string table, string keys, long customerId, CancellationToken ct)
    {
        var erasedIds = new List<string>();
        await using (var erase = new NpgsqlCommand($"DELETE FROM {table} WHERE customer_id = @id RETURNING external_id", connection))
        {
            erase.Parameters.Add(new NpgsqlParameter("id", customerId));
            await using var reader = await erase.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                erasedIds.Add(reader.GetString(0));
            }
        }

        await connection.ExecuteAsync(
            $"DELETE FROM {keys} WHERE external_id = ANY(@ids)", ct, new NpgsqlParameter("ids", NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Text) { Value = erasedIds.ToArray() });
        return erasedIds.Count;
    }

    // The table names are the constants above, never input.
    private static async Task<long> DeleteAsync(NpgsqlConnection connection, string table, long customerId, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand($"DELETE FROM {table} WHERE customer_id = @id", connection);
        command.Parameters.Add(new NpgsqlParameter("id", customerId));
        return await command.ExecuteNonQueryAsync(ct);
    }
}
