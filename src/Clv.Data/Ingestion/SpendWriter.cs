using Clv.Data.Analytics;
using Clv.Data.Infrastructure;
using Npgsql;
using NpgsqlTypes;

namespace Clv.Data.Ingestion;

/// <summary>
/// Upserts acquisition spend by (channel, period): sending a period again replaces its amount, and
/// sending the same amount in the same other currency keeps the conversion stored at first.
/// </summary>
public sealed class SpendWriter(ClvDbContext db, TransientRetry retry)
{
    /// <summary>Stores the rows; returns how many periods were new and how many replaced.</summary>
    /// <param name="rows">Validated rows with distinct (channel, period start, period end).</param>
    /// <param name="now">The write timestamp.</param>
    /// <param name="cancellationToken">Cancels the write; nothing of it is kept.</param>
    public async Task<WriteCounts> UpsertAsync(IReadOnlyList<SpendRow> rows, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (rows.Count == 0)
        {
            return new WriteCounts(0, 0);
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
            var counts = new WriteCounts(reader.GetInt64(0), reader.GetInt64(1));
            await reader.DisposeAsync();
            // Spend counts from its period's start: answers as of earlier days stand.
            await DataVersion.BumpAsync(connection, now, rows.Min(r => r.PeriodStart), ct);
            return counts;
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
            RETURNING xmax = 0 AS created)
        SELECT count(*) FILTER (WHERE created), count(*) FILTER (WHERE NOT created) FROM upserted
        """;
}
