using Clv.Data.Customers;
using Clv.Data.Infrastructure;
using Npgsql;
using NpgsqlTypes;

namespace Clv.Data.Ingestion;

/// <summary>
/// The write path for subscriptions: the batch's customers are resolved through
/// <c>customer_keys</c>, unknown ones created (<see cref="CustomerWriter"/>, in the same database
/// transaction), the subscriptions' keys inserted into <c>subscription_keys</c> where new, and the
/// rows upserted into <c>subscriptions</c> by (customer, external id). Unlike transactions, a
/// later row replaces the stored one (plan, dates, billing period, amount): that is how a
/// cancellation is recorded. A subscription never moves to another customer: a row naming another
/// customer than the stored one is not written and is reported. One database transaction: the
/// caller's, or one of its own.
/// </summary>
public sealed class SubscriptionWriter(ClvDbContext db, TransientRetry retry)
{
    /// <summary>Upserts the rows, each external id at most once in <paramref name="rows"/>.</summary>
    /// <param name="rows">Validated rows with distinct external ids.</param>
    /// <param name="now">The ingest timestamp.</param>
    /// <param name="cancellationToken">Cancels the write; nothing of it is kept.</param>
    public async Task<SubscriptionWriteCounts> WriteAsync(IReadOnlyList<SubscriptionRow> rows, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (rows.Count == 0)
        {
            return new SubscriptionWriteCounts(0, 0, 0, new HashSet<string>());
        }

        // Keys go in in id order: concurrent batches sharing ids wait for each other instead of deadlocking.
        var sorted = rows.OrderBy(r => r.ExternalId, StringComparer.Ordinal).ToList();
        return await db.WriteCustomerDataAsync(now, earliestDay: null, async (connection, ct) =>
        {
            var (ids, newCustomers) = await CustomerWriter.ResolveAsync(connection, sorted.Select(r => r.CustomerExternalId), now, ct);

            // Two statements, as for transactions: the keys are distributed by external id, the rows
            // by customer (docs/scale-out.md). The key's customer is read back whether it was
            // inserted or found (the no-op update locks it against a concurrent erasure of its row).
            var owner = new Dictionary<string, long>(sorted.Count, StringComparer.Ordinal);
            await using (var keys = new NpgsqlCommand("""
                INSERT INTO subscription_keys AS k (external_id, customer_id)
                SELECT external_id, customer_id FROM unnest(@ids, @customers) AS i(external_id, customer_id) ORDER BY external_id
                ON CONFLICT (external_id) DO UPDATE SET customer_id = k.customer_id
                RETURNING external_id, customer_id
                """, connection))
            {
                keys.Parameters.Add(CustomerWriter.Array("ids", NpgsqlDbType.Text, sorted.Select(r => r.ExternalId)));
                keys.Parameters.Add(CustomerWriter.Array("customers", NpgsqlDbType.Bigint, sorted.Select(r => ids[r.CustomerExternalId])));
                await using var reader = await keys.ExecuteReaderAsync(ct);
                while (await reader.ReadAsync(ct))
                {
                    owner[reader.GetString(0)] = reader.GetInt64(1);
                }
            }

            var otherCustomer = sorted.Where(r => owner[r.ExternalId] != ids[r.CustomerExternalId]).Select(r => r.ExternalId).ToHashSet(StringComparer.Ordinal);
            var writable = sorted.FindAll(r => !otherCustomer.Contains(r.ExternalId));
            long created = 0, updated = 0;
            if (writable.Count > 0)
            {
                // A row equal to the stored one is left alone: it counts as unchanged and bumps nothing.
                // A converted amount sent again as it was, from the same start, keeps its stored
                // conversion (the rate in force at its first ingest is final, as for transactions), so
                // equal means as sent: a rate posted since changes neither a retried item nor its
                // cancellation. A row in the reporting currency has no original and compares its amount.
                // A returned row is new when it was ingested now (xmax = 0 would tell too, but a
                // partitioned table, the shape Citus gives it, has no system columns to return).
                await using var upsert = new NpgsqlCommand("""
                    INSERT INTO subscriptions AS s (customer_id, external_id, plan, started_at, ended_at, billing_period, amount, currency,
                                                    original_amount, original_currency, fx_rate, ingested_at, updated_at)
                    SELECT customer_id, external_id, plan, started_at, ended_at, billing_period, amount, currency,
                           original_amount, original_currency, fx_rate, @now, @now
                    FROM unnest(@customers, @ids, @plans, @started, @ended, @periods, @amounts, @currencies, @original_amounts, @original_currencies, @rates)
                         AS i(customer_id, external_id, plan, started_at, ended_at, billing_period, amount, currency, original_amount, original_currency, fx_rate)
                    ON CONFLICT (customer_id, external_id) DO UPDATE SET
                        plan = excluded.plan, started_at = excluded.started_at, ended_at = excluded.ended_at,
                        billing_period = excluded.billing_period,
                        amount = CASE WHEN (s.started_at, s.original_amount, s.original_currency) = (excluded.started_at, excluded.original_amount, excluded.original_currency)
                                      THEN s.amount ELSE excluded.amount END,
                        currency = excluded.currency, original_amount = excluded.original_amount, original_currency = excluded.original_currency,
                        fx_rate = CASE WHEN (s.started_at, s.original_amount, s.original_currency) = (excluded.started_at, excluded.original_amount, excluded.original_currency)
                                       THEN s.fx_rate ELSE excluded.fx_rate END,
                        updated_at = excluded.updated_at
                    WHERE (s.plan, s.started_at, s.ended_at, s.billing_period, s.currency, s.original_amount, s.original_currency)
                          IS DISTINCT FROM (excluded.plan, excluded.started_at, excluded.ended_at, excluded.billing_period,
                                            excluded.currency, excluded.original_amount, excluded.original_currency)
                       OR (s.original_currency IS NULL AND s.amount IS DISTINCT FROM excluded.amount)
                    RETURNING s.ingested_at = @now
                    """, connection);
                upsert.Parameters.Add(CustomerWriter.Array("customers", NpgsqlDbType.Bigint, writable.Select(r => ids[r.CustomerExternalId])));
                upsert.Parameters.Add(CustomerWriter.Array("ids", NpgsqlDbType.Text, writable.Select(r => r.ExternalId)));
                upsert.Parameters.Add(CustomerWriter.Array("plans", NpgsqlDbType.Text, writable.Select(r => r.Plan)));
                upsert.Parameters.Add(CustomerWriter.Array("started", NpgsqlDbType.TimestampTz, writable.Select(r => r.StartedAt)));
                upsert.Parameters.Add(CustomerWriter.Array("ended", NpgsqlDbType.TimestampTz, writable.Select(r => r.EndedAt)));
                upsert.Parameters.Add(CustomerWriter.Array("periods", NpgsqlDbType.Smallint, writable.Select(r => (short)r.BillingPeriod)));
                upsert.Parameters.Add(CustomerWriter.Array("amounts", NpgsqlDbType.Numeric, writable.Select(r => r.Amount)));
                upsert.Parameters.Add(CustomerWriter.Array("currencies", NpgsqlDbType.Text, writable.Select(r => r.Currency)));
                upsert.Parameters.Add(CustomerWriter.Array("original_amounts", NpgsqlDbType.Numeric, writable.Select(r => r.OriginalAmount)));
                upsert.Parameters.Add(CustomerWriter.Array("original_currencies", NpgsqlDbType.Text, writable.Select(r => r.OriginalCurrency)));
                upsert.Parameters.Add(CustomerWriter.Array("rates", NpgsqlDbType.Numeric, writable.Select(r => r.FxRate)));
                upsert.Parameters.Add(new NpgsqlParameter("now", now));
                await using var reader = await upsert.ExecuteReaderAsync(ct);
                while (await reader.ReadAsync(ct))
                {
                    if (reader.GetBoolean(0))
                    {
                        created++;
                    }
                    else
                    {
                        updated++;
                    }
                }
            }

            // A new customer whose subscriptions all belong to another stays unknown.
            var stay = await CustomerWriter.ForgetCreatedAsync(connection, newCustomers, writable.Select(r => ids[r.CustomerExternalId]).ToHashSet(), ct);
            var counts = new SubscriptionWriteCounts(created, updated, writable.Count - created - updated, otherCustomer);
            return (counts, created + updated > 0 || stay > 0);
        }, retry, cancellationToken);
    }
}
