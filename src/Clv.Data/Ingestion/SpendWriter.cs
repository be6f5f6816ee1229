using Clv.Data.Analytics;
using Clv.Data.Infrastructure;
using Npgsql;
using NpgsqlTypes;

namespace Clv.Data.Ingestion;

/// <summary>
/// Upserts acquisition spend by (channel, period): sending a period again replaces its amount, and
/// sending the same amount in the same other currency keeps the conversion stored at first. A
/// period sent as stored is left alone: it counts as unchanged, and a batch that changes nothing
/// leaves the data version, so a CRM's periodic resend keeps every answer computed before it.
/// </summary>
public sealed class SpendWriter(ClvDbContext db, TransientRetry retry)
{
    /// <summary>Stores the rows; returns how many periods were new, how many replaced and how many were sent as stored.</summary>
    /// <param name="rows">Validated rows with distinct (channel, period start, period end).</param>
    /// <param name="now">The write timestamp.</param>
    /// <param name="cancellationToken">Cancels the write; nothing of it is kept.</param>
    public async Task<UpsertCounts> UpsertAsync(IReadOnlyList<SpendRow> rows, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (rows.Count == 0)
        {
            return new UpsertCounts(0, 0, 0);
        }

        return await db.InTransactionAsync(async (connection, ct) =>
        {
            await using var command = new NpgsqlCommand(UpsertSql, connection);
            command.Parameters.Add(CustomerWriter.Array("channels", NpgsqlDbType.Text, rows.Select(r => r.Channel)));
            command.Parameters.Add(CustomerWriter.Array("starts", NpgsqlDbType.Date, rows.Select(r => r.PeriodStart)));
            command.Parameters.Add(CustomerWriter.Array("ends", NpgsqlDbType.Date, rows.Select(r => r.PeriodEnd)));
            command.Parameters.Add(CustomerWriter.Array("amounts", NpgsqlDbType.Numeric, rows.Select(r => r.Amount)));
            command.Parameters.Add(CustomerWriter.Array("currencies", NpgsqlDbType.Text, rows.Select(r => r.Currency)));
            command.Parameters.Add(CustomerWriter.Array("original_amounts", NpgsqlDbType.Numeric, rows.Select(r => r.OriginalAmount)));
            command.Parameters.Add(CustomerWriter.Array("original_currencies", NpgsqlDbType.Text, rows.Select(r => r.OriginalCurrency)));
            command.Parameters.Add(CustomerWriter.Array("fx_rates", NpgsqlDbType.Numeric, rows.Select(r => r.FxRate)));
            command.Parameters.Add(new NpgsqlParameter("now", now));
            await using var reader = await command.ExecuteReaderAsync(ct);
            await reader.ReadAsync(ct);
            var (created, updated) = (reader.GetInt64(0), reader.GetInt64(1));
            DateOnly? earliest = reader.IsDBNull(2) ? null : reader.GetFieldValue<DateOnly>(2);
            await reader.DisposeAsync();
            // Spend counts from its period's start: answers as of earlier days stand.
            if (earliest is { } day)
            {
                await DataVersion.BumpAsync(connection, now, day, ct);
            }

            return new UpsertCounts(created, updated, rows.Count - created - updated);
        }, retry, cancellationToken);
    }

    private const string UpsertSql = """
        WITH upserted AS (
            INSERT INTO acquisition_spend AS s (channel, period_start, period_end, amount, currency,
                                                original_amount, original_currency, fx_rate, created_at, updated_at)
            SELECT *, @now, @now FROM unnest(@channels, @starts, @ends, @amounts, @currencies, @original_amounts, @original_currencies, @fx_rates)
            ORDER BY 1, 2, 3
            ON CONFLICT (channel, period_start, period_end) DO UPDATE SET
                -- The same amount in the same other currency keeps its conversion: the rate in force at ingest is final.
                amount = CASE WHEN (s.original_amount, s.original_currency) = (excluded.original_amount, excluded.original_currency) THEN s.amount ELSE excluded.amount END,
                currency = excluded.currency, original_amount = excluded.original_amount, original_currency = excluded.original_currency,
                fx_rate = CASE WHEN (s.original_amount, s.original_currency) = (excluded.original_amount, excluded.original_currency) THEN s.fx_rate ELSE excluded.fx_rate END,
                updated_at = @now
            -- Sent as stored: the conversion stays, so the row would not change. (An amount in
            -- the reporting currency has no original: its amount decides.)
            WHERE (excluded.currency, excluded.original_amount, excluded.original_currency) IS DISTINCT FROM (s.currency, s.original_amount, s.original_currency)
               OR (excluded.original_amount IS NULL AND excluded.amount IS DISTINCT FROM s.amount)
            RETURNING xmax = 0 AS created, period_start)
        SELECT count(*) FILTER (WHERE created), count(*) FILTER (WHERE NOT created), min(period_start) FROM upserted
        """;
}
