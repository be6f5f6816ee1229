using Clv.Analytics.Currency;
using Clv.Data.Infrastructure;
using Clv.Data.Ingestion;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using NpgsqlTypes;

namespace Clv.Data.Currency;

/// <summary>Stores FX rates and loads them into a <see cref="FxRateBook"/>.</summary>
public sealed class FxRateStore(ClvDbContext db, TransientRetry retry)
{
    /// <summary>
    /// Upserts rates by (currency, date): a day sent again replaces its rate, and one sent as stored
    /// is left alone (counted as unchanged).
    /// </summary>
    public Task<UpsertCounts> UpsertAsync(IReadOnlyList<FxRate> rates, DateTimeOffset now, CancellationToken cancellationToken) =>
        db.InTransactionAsync(async (connection, ct) =>
        {
            await using var command = new NpgsqlCommand("""
                WITH upserted AS (
                    INSERT INTO fx_rates AS r (currency, date, rate_to_reporting, created_at, updated_at)
                    SELECT *, @now, @now FROM unnest(@currencies, @dates, @rates)
                    ORDER BY 1, 2
                    ON CONFLICT (currency, date) DO UPDATE SET rate_to_reporting = excluded.rate_to_reporting, updated_at = @now
                    WHERE r.rate_to_reporting <> excluded.rate_to_reporting
                    RETURNING xmax = 0 AS created)
                SELECT count(*) FILTER (WHERE created), count(*) FILTER (WHERE NOT created) FROM upserted
                """, connection);
            command.Parameters.Add(CustomerWriter.Array("currencies", NpgsqlDbType.Text, rates.Select(r => r.Currency)));
            command.Parameters.Add(CustomerWriter.Array("dates", NpgsqlDbType.Date, rates.Select(r => r.Date)));
            command.Parameters.Add(CustomerWriter.Array("rates", NpgsqlDbType.Numeric, rates.Select(r => r.RateToReporting)));
            command.Parameters.Add(new NpgsqlParameter("now", now));
            await using var reader = await command.ExecuteReaderAsync(ct);
            await reader.ReadAsync(ct);
            var (created, updated) = (reader.GetInt64(0), reader.GetInt64(1));
            return new UpsertCounts(created, updated, rates.Count - created - updated);
        }, retry, cancellationToken);

    /// <summary>Loads every rate of <paramref name="currency"/> into the book, once per currency.</summary>
    public async Task LoadAsync(FxRateBook book, string currency, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(book);
        if (book.Has(currency))
        {
            return;
        }

        var rates = await db.FxRates.AsNoTracking().Where(r => r.Currency == currency)
            .Select(r => new FxRate(r.Currency, r.Date, r.RateToReporting)).ToListAsync(cancellationToken);
        book.Set(currency, rates);
    }
}
