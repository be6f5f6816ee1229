using Clv.Data.Analytics;
using Clv.Data.Customers;
using Clv.Data.Infrastructure;
using Npgsql;
using NpgsqlTypes;

namespace Clv.Data.Ingestion;

/// <summary>Upserts customer profiles by external id in one set-based statement.</summary>
public sealed class CustomerWriter(ClvDbContext db, TransientRetry retry)
{
    /// <summary>Creates unknown customers and updates known ones; fields that are null keep their stored values.</summary>
    /// <param name="rows">Validated rows with distinct external ids.</param>
    /// <param name="now">The write timestamp.</param>
    /// <param name="cancellationToken">Cancels the write; nothing of it is kept.</param>
    public async Task<WriteCounts> UpsertAsync(IReadOnlyList<CustomerRow> rows, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (rows.Count == 0)
        {
            return new WriteCounts(0, 0);
        }

        return await db.InTransactionAsync(async (connection, ct) =>
        {
            await CustomerErasure.ShareAsync(connection, ct);
            await using var command = new NpgsqlCommand(UpsertSql, connection);
            command.Parameters.Add(Array("ids", NpgsqlDbType.Text, rows.Select(r => r.ExternalId)));
            command.Parameters.Add(Array("acquired", NpgsqlDbType.TimestampTz, rows.Select(r => r.AcquiredAt)));
            command.Parameters.Add(Array("channels", NpgsqlDbType.Text, rows.Select(r => r.AcquisitionChannel)));
            command.Parameters.Add(Array("countries", NpgsqlDbType.Text, rows.Select(r => r.Country)));
            command.Parameters.Add(Array("attributes", NpgsqlDbType.Jsonb, rows.Select(r => r.AttributesJson)));
            command.Parameters.Add(new NpgsqlParameter("now", now));
            long created = 0, updated = 0;
            await using var reader = await command.ExecuteReaderAsync(ct);
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

            await reader.DisposeAsync();
            await DataVersion.BumpAsync(connection, now, ct);
            return new WriteCounts(created, updated);
        }, retry, cancellationToken);
    }

    internal static NpgsqlParameter Array<T>(string name, NpgsqlDbType type, IEnumerable<T> values) =>
        new(name, NpgsqlDbType.Array | type) { Value = values.ToArray() };

    // xmax = 0 marks a freshly inserted row. A new customer gets its empty summary row; a sent
    // acquired_at becomes explicit and stops following the first transaction.
    private const string UpsertSql = """
        WITH input AS (
            SELECT * FROM unnest(@ids, @acquired, @channels, @countries, @attributes)
                AS i(external_id, acquired_at, acquisition_channel, country, attributes)),
        upserted AS (
            INSERT INTO customers AS c (external_id, acquired_at, acquired_at_is_explicit, acquisition_channel,
                                        country, attributes, created_at, updated_at)
            SELECT external_id, acquired_at, acquired_at IS NOT NULL, acquisition_channel, country, attributes, @now, @now
            FROM input ORDER BY external_id
            ON CONFLICT (external_id) DO UPDATE SET
                acquired_at = coalesce(excluded.acquired_at, c.acquired_at),
                acquired_at_is_explicit = c.acquired_at_is_explicit OR excluded.acquired_at_is_explicit,
                acquisition_channel = coalesce(excluded.acquisition_channel, c.acquisition_channel),
                country = coalesce(excluded.country, c.country),
                attributes = coalesce(excluded.attributes, c.attributes),
                updated_at = @now
            RETURNING id, xmax = 0 AS created),
        summaries AS (
            INSERT INTO customer_summaries (customer_id, purchase_count, purchase_days, gross_revenue, refunds, net_revenue, repeat_days_value)
            SELECT id, 0, 0, 0, 0, 0, 0 FROM upserted WHERE created)
        SELECT created FROM upserted
        """;
}
