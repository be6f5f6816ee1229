using Clv.Data.Customers;
using Clv.Data.Infrastructure;
using Clv.Data.Rollups;
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
            var changed = new Dictionary<long, (DateTimeOffset EarliestStart, bool Updated)>();
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
                    RETURNING s.ingested_at = @now, s.customer_id, s.started_at
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
                    var isNew = reader.GetBoolean(0);
                    created += isNew ? 1 : 0;
                    updated += isNew ? 0 : 1;
                    var (customer, start) = (reader.GetInt64(1), reader.GetFieldValue<DateTimeOffset>(2));
                    changed[customer] = changed.TryGetValue(customer, out var seen)
                        ? (start < seen.EarliestStart ? start : seen.EarliestStart, seen.Updated || !isNew)
                        : (start, !isNew);
                }
            }

            if (changed.Count > 0)
            {
                await DateAcquisitionsAsync(connection, changed, now, ct);
            }

            // A new customer whose subscriptions all belong to another stays unknown.
            var stay = await CustomerWriter.ForgetCreatedAsync(connection, newCustomers, writable.Select(r => ids[r.CustomerExternalId]).ToHashSet(), ct);
            var counts = new SubscriptionWriteCounts(created, updated, writable.Count - created - updated, otherCustomer);
            return (counts, created + updated > 0 || stay > 0);
        }, retry, cancellationToken);
    }

    // A customer whose acquisition the CRM did not send is acquired at their earliest transaction or
    // subscription start, whichever came first: ChartMogul's and Baremetrics' "customer since" is
    // the first subscription's start, so a subscriber whose first charge follows a trial is a
    // customer, with their MRR, from the trial's first day. Every writer keeps that so (transactions
    // and subscriptions only ever move it earlier, and the migration AcquisitionFromSubscriptions
    // dated the customers stored before), so a customer whose subscriptions this write only created
    // is acquired at the earlier of their stored acquisition and the new starts. One whose stored
    // subscription changed may have had its acquisition from the old start: theirs is taken again
    // from both tables, so that a start corrected to a later day moves it back too. A customer
    // whose acquisition moves to another day leaves their cells of the group rollup and comes back
    // in the new ones, under their summary's lock, taken in id order as every writer of a customer
    // does; a move within the day changes no cell. Their rows are then locked in id order too (a
    // hash join would meet them in the table's order), as a profile write locks them.
    private static async Task DateAcquisitionsAsync(
        NpgsqlConnection connection, Dictionary<long, (DateTimeOffset EarliestStart, bool Updated)> changed, DateTimeOffset now, CancellationToken ct)
    {
        var customers = changed.Keys.Order().ToArray();
        await CustomerSummaries.LockAsync(connection, customers, ct);
        var moved = new Dictionary<long, (DateTimeOffset? Before, DateTimeOffset? After)>();
        await using (var find = new NpgsqlCommand("""
            SELECT c.id, c.acquired_at, f.first_at
            FROM unnest(@ids, @starts, @again) AS i(id, earliest_start, again)
            JOIN customers c USING (id)
            CROSS JOIN LATERAL (
                SELECT CASE WHEN NOT i.again THEN least(c.acquired_at, i.earliest_start)
                            ELSE least((SELECT min(t.occurred_at) FROM transactions t WHERE t.customer_id = c.id),
                                       (SELECT min(u.started_at) FROM subscriptions u WHERE u.customer_id = c.id)) END AS first_at
            ) f
            WHERE NOT c.acquired_at_is_explicit AND c.acquired_at IS DISTINCT FROM f.first_at
            """, connection))
        {
            find.Parameters.Add(CustomerWriter.Array("ids", NpgsqlDbType.Bigint, customers));
            find.Parameters.Add(CustomerWriter.Array("starts", NpgsqlDbType.TimestampTz, customers.Select(c => changed[c].EarliestStart)));
            find.Parameters.Add(CustomerWriter.Array("again", NpgsqlDbType.Boolean, customers.Select(c => changed[c].Updated)));
            await using var reader = await find.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                moved[reader.GetInt64(0)] = (
                    reader.IsDBNull(1) ? null : reader.GetFieldValue<DateTimeOffset>(1),
                    reader.IsDBNull(2) ? null : reader.GetFieldValue<DateTimeOffset>(2));
            }
        }

        if (moved.Count == 0)
        {
            return;
        }

        var periods = await PeriodRollups.OpenAsync(connection, ct);
        await periods.StageAcquisitionMovesAsync(
            connection, moved.Where(m => !periods.SameDay(m.Value.Before, m.Value.After)).ToDictionary(m => m.Key, m => m.Value.After), ct);
        await connection.ExecuteAsync("""
            WITH moving AS (
                SELECT c.id, m.acquired_at
                FROM unnest(@ids, @acquired) AS m(id, acquired_at)
                JOIN customers c USING (id)
                ORDER BY c.id
                FOR UPDATE OF c)
            UPDATE customers c SET acquired_at = m.acquired_at, updated_at = @now
            FROM moving m
            WHERE c.id = m.id
            """, ct,
            CustomerWriter.Array("ids", NpgsqlDbType.Bigint, moved.Keys),
            CustomerWriter.Array("acquired", NpgsqlDbType.TimestampTz, moved.Values.Select(m => m.After)),
            new NpgsqlParameter("now", now));
        await periods.WriteStagedAsync(connection, ct);
    }
}
