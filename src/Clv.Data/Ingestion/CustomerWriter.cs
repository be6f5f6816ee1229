using Clv.Data.Customers;
using Clv.Data.Infrastructure;
using Clv.Data.Rollups;
using Npgsql;
using NpgsqlTypes;

namespace Clv.Data.Ingestion;

/// <summary>Upserts customer profiles by external id in one set-based statement.</summary>
public sealed class CustomerWriter(ClvDbContext db, TransientRetry retry)
{
    /// <summary>
    /// Creates unknown customers and updates known ones; fields that are null keep their stored
    /// values. A profile that changes nothing stored is left alone: it counts as unchanged and, with
    /// nothing else changed, the data version stays, so the answers kept for dashboards outlive a
    /// CRM's periodic resend of its whole customer list.
    /// </summary>
    /// <param name="rows">Validated rows with distinct external ids.</param>
    /// <param name="now">The write timestamp.</param>
    /// <param name="cancellationToken">Cancels the write; nothing of it is kept.</param>
    public async Task<UpsertCounts> UpsertAsync(IReadOnlyList<CustomerRow> rows, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (rows.Count == 0)
        {
            return new UpsertCounts(0, 0, 0);
        }

        return await db.WriteCustomerDataAsync(now, earliestDay: null, async (connection, ct) =>
        {
            var (counts, _) = await UpsertAsync(connection, rows, now, ct);
            return (counts, counts.Created + counts.Updated > 0);
        }, retry, cancellationToken);
    }

    // The upsert in the caller's transaction, which bumps the data version; also the ids of the
    // customers it created (not those a concurrent writer created meanwhile).
    private static async Task<(UpsertCounts Counts, long[] Created)> UpsertAsync(NpgsqlConnection connection, IReadOnlyList<CustomerRow> rows, DateTimeOffset now, CancellationToken ct)
    {
        var externalIds = rows.Select(r => r.ExternalId).ToArray();
        var ids = new Dictionary<string, long>(rows.Count, StringComparer.Ordinal);
        await using (var create = new NpgsqlCommand(CreateKeysSql, connection))
        {
            create.Parameters.Add(Array("ids", NpgsqlDbType.Text, externalIds));
            await TransactionWriter.ReadIdsAsync(create, ids, ct);
        }

        // A second statement sees the keys that concurrent writers committed while this one waited.
        var created = ids.Values.ToArray();
        if (created.Length < rows.Count)
        {
            await TransactionWriter.FindIdsAsync(connection, externalIds.Where(id => !ids.ContainsKey(id)), ids, ct);
        }

        // A profile that changes a customer's channel or acquisition moves them between cells
        // of the group rollup: their contribution goes before the change and comes back after
        // it, under their summary's lock, taken in id order as every writer of a customer does.
        // Both are computed here (staged) and written netted: from the profiles for customers
        // without days, and from their stored days for the others. A known customer whose profile
        // moves nothing is not locked, and their channel and acquisition are left as stored.
        var periods = await PeriodRollups.OpenAsync(connection, ct);
        var createdIds = created.ToHashSet();
        var moved = await LockMovedAsync(connection, rows, ids, createdIds, periods, ct);
        await periods.StageStoredAsync(connection, moved.WithDays, -1, ct);
        bool Moves(CustomerRow row) => createdIds.Contains(ids[row.ExternalId]) || moved.Locked.Contains(ids[row.ExternalId]);

        long written;
        await using (var command = new NpgsqlCommand(UpsertSql, connection))
        {
            command.Parameters.Add(Array("ids", NpgsqlDbType.Bigint, rows.Select(r => ids[r.ExternalId])));
            command.Parameters.Add(Array("external_ids", NpgsqlDbType.Text, externalIds));
            command.Parameters.Add(Array("acquired", NpgsqlDbType.TimestampTz, rows.Select(r => Moves(r) ? r.AcquiredAt : null)));
            command.Parameters.Add(Array("channels", NpgsqlDbType.Text, rows.Select(r => Moves(r) ? r.AcquisitionChannel : null)));
            command.Parameters.Add(Array("countries", NpgsqlDbType.Text, rows.Select(r => r.Country)));
            command.Parameters.Add(Array("attributes", NpgsqlDbType.Jsonb, rows.Select(r => r.AttributesJson)));
            command.Parameters.Add(Array("created", NpgsqlDbType.Bigint, created));
            command.Parameters.Add(new NpgsqlParameter("now", now));
            written = (long)(await command.ExecuteScalarAsync(ct))!;
        }

        await periods.StageStoredAsync(connection, moved.WithDays, 1, ct);
        var rowOf = rows.ToDictionary(r => ids[r.ExternalId]);
        foreach (var (id, before) in moved.WithoutDays)
        {
            var row = rowOf[id];
            periods.Stage(id, row.AcquisitionChannel ?? before.Channel, row.AcquiredAt ?? before.AcquiredAt, []);
        }

        foreach (var id in created)
        {
            periods.Stage(id, rowOf[id].AcquisitionChannel, rowOf[id].AcquiredAt, []);
        }

        await periods.WriteStagedAsync(connection, ct);
        return (new UpsertCounts(created.Length, written - created.Length, rows.Count - written), created);
    }

    // Locks the summaries of the known customers whose profiles change their channel or acquisition
    // (or make it explicit), in id order, and then, once no other writer can move them, takes back
    // the contributions of those the profiles change: those without days are staged from their
    // stored profile, and those with days are returned for the caller to subtract. Those it locked
    // are returned too: the caller leaves the others' channel and acquisition as they are stored.
    // A CRM's resend of unchanged profiles then locks no summary: a transaction writer of those
    // customers waits for it only to date or move their acquisition, on the customer's row, which
    // the upsert holds until it commits. Which ones change is read before the lock: a customer
    // another writer moves in between is not locked, and keeps what that writer stored, as if this
    // profile had come first (it named what was stored before).
    private static async Task<(long[] WithDays, List<(long Id, Profile Before)> WithoutDays, HashSet<long> Locked)> LockMovedAsync(
        NpgsqlConnection connection, IReadOnlyList<CustomerRow> rows, Dictionary<string, long> ids, HashSet<long> createdIds, PeriodRollups periods, CancellationToken ct)
    {
        var named = rows.Where(r => !createdIds.Contains(ids[r.ExternalId]) && (r.AcquisitionChannel is not null || r.AcquiredAt is not null)).ToList();
        var withDays = new List<long>();
        var withoutDays = new List<(long, Profile)>();
        var changing = named.Count == 0 ? [] : await ChangingAsync(connection, named, ids, ct);
        if (changing.Count == 0)
        {
            return ([], withoutDays, changing);
        }

        var known = named.FindAll(r => changing.Contains(ids[r.ExternalId]));
        var knownIds = known.Select(r => ids[r.ExternalId]).ToArray();
        await CustomerSummaries.LockAsync(connection, knownIds, ct);
        await using var command = new NpgsqlCommand($"""
            SELECT s.customer_id, s.purchase_count = 0 AND s.refunds = 0, c.acquisition_channel, c.acquired_at
            FROM unnest(@ids, @channels, @acquired) AS i(customer_id, channel, acquired_at)
            JOIN customer_summaries s USING (customer_id)
            JOIN customers c ON c.id = s.customer_id
            WHERE {MovesSql}
            ORDER BY s.customer_id
            """, connection);
        command.Parameters.Add(CustomerSummaries.IdsParameter(knownIds));
        command.Parameters.Add(Array("channels", NpgsqlDbType.Text, known.Select(r => r.AcquisitionChannel)));
        command.Parameters.Add(Array("acquired", NpgsqlDbType.TimestampTz, known.Select(r => r.AcquiredAt)));
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var id = reader.GetInt64(0);
            if (!reader.GetBoolean(1))
            {
                withDays.Add(id);
                continue;
            }

            var before = new Profile(reader.IsDBNull(2) ? null : reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetFieldValue<DateTimeOffset>(3));
            withoutDays.Add((id, before));
            periods.Stage(id, before.Channel, before.AcquiredAt, [], -1);
        }

        return ([.. withDays], withoutDays, changing);
    }

    // The known customers (of rows naming a channel or an acquisition) whose stored channel or
    // acquisition the rows change, or whose acquisition they make explicit; read without a lock.
    private static async Task<HashSet<long>> ChangingAsync(NpgsqlConnection connection, List<CustomerRow> named, Dictionary<string, long> ids, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand($"""
            SELECT c.id
            FROM unnest(@ids, @channels, @acquired) AS i(customer_id, channel, acquired_at)
            JOIN customers c ON c.id = i.customer_id
            WHERE {MovesSql} OR (i.acquired_at IS NOT NULL AND NOT c.acquired_at_is_explicit)
            """, connection);
        command.Parameters.Add(CustomerSummaries.IdsParameter([.. named.Select(r => ids[r.ExternalId])]));
        command.Parameters.Add(Array("channels", NpgsqlDbType.Text, named.Select(r => r.AcquisitionChannel)));
        command.Parameters.Add(Array("acquired", NpgsqlDbType.TimestampTz, named.Select(r => r.AcquiredAt)));
        var changing = new HashSet<long>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            changing.Add(reader.GetInt64(0));
        }

        return changing;
    }

    // Whether the profile i (channel and acquisition, null: as stored) moves customer c to another
    // channel or acquisition time, and so between cells of the group rollup.
    private const string MovesSql =
        "(c.acquisition_channel IS DISTINCT FROM coalesce(i.channel, c.acquisition_channel) OR c.acquired_at IS DISTINCT FROM coalesce(i.acquired_at, c.acquired_at))";

    private sealed record Profile(string? Channel, DateTimeOffset? AcquiredAt);

    /// <summary>
    /// Creates the keys of the external ids <c>@ids</c> that have none, with ids drawn from the
    /// customers' sequence, and returns those it created (external id, customer id). A key a
    /// concurrent writer is creating is waited for, and then not returned.
    /// </summary>
    internal const string CreateKeysSql = """
        WITH created AS (
            INSERT INTO customer_keys (external_id, customer_id)
            SELECT external_id, nextval(pg_get_serial_sequence('customers', 'id')) FROM unnest(@ids) AS i(external_id) ORDER BY external_id
            ON CONFLICT (external_id) DO NOTHING
            RETURNING external_id, customer_id)
        SELECT external_id, customer_id FROM created
        """;

    /// <summary>
    /// The ids of the customers with <paramref name="externalIds"/>, creating the unknown ones as a
    /// profile without fields would create them, inside the caller's database transaction, which
    /// bumps the data version if it keeps them: the first step of every writer of customer-keyed rows other than
    /// transactions. Also answers which it created (external id and id), for
    /// <see cref="ForgetCreatedAsync"/>: only those, not the ones a concurrent writer created while
    /// this one waited for their keys, which are that writer's to keep.
    /// </summary>
    internal static async Task<(Dictionary<string, long> Ids, Dictionary<string, long> Created)> ResolveAsync(
        NpgsqlConnection connection, IEnumerable<string> externalIds, DateTimeOffset now, CancellationToken ct)
    {
        var sorted = externalIds.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        var ids = new Dictionary<string, long>(sorted.Length, StringComparer.Ordinal);
        await TransactionWriter.FindIdsAsync(connection, sorted, ids, ct);
        var missing = sorted.Where(c => !ids.ContainsKey(c)).ToArray();
        if (missing.Length == 0)
        {
            return (ids, new Dictionary<string, long>(StringComparer.Ordinal));
        }

        var (_, created) = await UpsertAsync(connection, System.Array.ConvertAll(missing, c => new CustomerRow(c, null, null, null, null)), now, ct);
        await TransactionWriter.FindIdsAsync(connection, missing, ids, ct);
        var mine = created.ToHashSet();
        return (ids, missing.Where(c => mine.Contains(ids[c])).ToDictionary(c => c, c => ids[c], StringComparer.Ordinal));
    }

    /// <summary>
    /// Drops again, in the caller's transaction, the customers <see cref="ResolveAsync"/> created
    /// that got no row (every one of their rows a key stored under another customer, say): their
    /// key, profile and empty summary, and their place in the group rollup. A duplicate then changes
    /// nothing, as it does for transactions.
    /// </summary>
    /// <param name="connection">The caller's connection, in its transaction.</param>
    /// <param name="created">What <see cref="ResolveAsync"/> created.</param>
    /// <param name="withRows">The customers (ids) that got a row.</param>
    /// <param name="ct">Cancels the write.</param>
    /// <returns>How many of <paramref name="created"/> stay.</returns>
    internal static async Task<int> ForgetCreatedAsync(
        NpgsqlConnection connection, Dictionary<string, long> created, IReadOnlySet<long> withRows, CancellationToken ct)
    {
        var empty = created.Where(c => !withRows.Contains(c.Value)).ToList();
        if (empty.Count == 0)
        {
            return created.Count;
        }

        // UpsertAsync staged each as a customer without channel, acquisition or day.
        var periods = await PeriodRollups.OpenAsync(connection, ct);
        foreach (var (_, id) in empty)
        {
            periods.Stage(id, null, null, [], -1);
        }

        await periods.WriteStagedAsync(connection, ct);
        await DropAsync(connection, [.. empty.Select(c => (c.Key, c.Value))], ct);
        return created.Count - empty.Count;
    }

    /// <summary>
    /// Deletes, in the caller's transaction, customers that the caller's write created and takes back
    /// before anything but their key, profile and empty summary was written: those three. Their
    /// place in the group rollup, if the write gave them one, is the caller's to take back.
    /// </summary>
    internal static Task DropAsync(NpgsqlConnection connection, IReadOnlyCollection<(string ExternalId, long Id)> customers, CancellationToken ct) =>
        connection.ExecuteAsync("""
            DELETE FROM customer_summaries s USING unnest(@ids) AS i(id) WHERE s.customer_id = i.id;
            DELETE FROM customers c USING unnest(@ids) AS i(id) WHERE c.id = i.id;
            DELETE FROM customer_keys k USING unnest(@external_ids) AS i(external_id) WHERE k.external_id = i.external_id
            """, ct,
            Array("ids", NpgsqlDbType.Bigint, customers.Select(c => c.Id)),
            Array("external_ids", NpgsqlDbType.Text, customers.Select(c => c.ExternalId)));

    internal static NpgsqlParameter Array<T>(string name, NpgsqlDbType type, IEnumerable<T> values) =>
        new(name, NpgsqlDbType.Array | type) { Value = values.ToArray() };

    // The customers are upserted by id, in id order (concurrent writers lock them in one order). A
    // new customer gets its empty summary row; a sent acquired_at becomes explicit and stops
    // following the first transaction. A stored customer the row would leave as it is (jsonb
    // compares attributes as objects: key order and spacing do not count) is not written; the
    // statement answers how many customers it inserted or changed.
    private const string UpsertSql = """
        WITH input AS (
            SELECT * FROM unnest(@ids, @external_ids, @acquired, @channels, @countries, @attributes)
                AS i(id, external_id, acquired_at, acquisition_channel, country, attributes)),
        upserted AS (
            INSERT INTO customers AS c (id, external_id, acquired_at, acquired_at_is_explicit, acquisition_channel,
                                        country, attributes, created_at, updated_at)
            OVERRIDING SYSTEM VALUE
            SELECT id, external_id, acquired_at, acquired_at IS NOT NULL, acquisition_channel, country, attributes, @now, @now
            FROM input ORDER BY id
            ON CONFLICT (id) DO UPDATE SET
                acquired_at = coalesce(excluded.acquired_at, c.acquired_at),
                acquired_at_is_explicit = c.acquired_at_is_explicit OR excluded.acquired_at_is_explicit,
                acquisition_channel = coalesce(excluded.acquisition_channel, c.acquisition_channel),
                country = coalesce(excluded.country, c.country),
                attributes = coalesce(excluded.attributes, c.attributes),
                updated_at = @now
            WHERE (c.acquired_at, c.acquired_at_is_explicit, c.acquisition_channel, c.country, c.attributes)
                  IS DISTINCT FROM (coalesce(excluded.acquired_at, c.acquired_at), c.acquired_at_is_explicit OR excluded.acquired_at_is_explicit,
                                    coalesce(excluded.acquisition_channel, c.acquisition_channel), coalesce(excluded.country, c.country),
                                    coalesce(excluded.attributes, c.attributes))
            RETURNING id),
        summaries AS (
            INSERT INTO customer_summaries (customer_id, purchase_count, purchase_days, gross_revenue, refunds, net_revenue, repeat_days_value)
            SELECT id, 0, 0, 0, 0, 0, 0 FROM unnest(@created) AS created(id))
        SELECT count(*) FROM upserted
        """;
}
