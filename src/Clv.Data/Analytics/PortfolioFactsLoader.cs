using Clv.Analytics.Portfolio;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Clv.Data.Analytics;

/// <summary>Reads the portfolio facts from the database in one consistent snapshot.</summary>
public static class PortfolioFactsLoader
{
    /// <summary>
    /// Loads customers, their days, acquisition spend and the active run's predictions, with the
    /// data version, in one repeatable-read transaction: the facts match the version exactly, and
    /// hold every write acknowledged before the time the version was read (docs/metrics.md, "Freshness").
    /// Rows stream in key order with binary COPY, so the facts are built without sorting.
    /// </summary>
    /// <param name="connectionString">The database.</param>
    /// <param name="timeZone">The reporting time zone that acquisition days are taken in.</param>
    /// <param name="cancellationToken">Cancels the load.</param>
    /// <remarks>
    /// The rows are read synchronously, on a pool thread: millions of values read with an await
    /// each cost several times more.
    /// </remarks>
    public static Task<PortfolioFacts> LoadAsync(string connectionString, string timeZone, CancellationToken cancellationToken) =>
        Task.Run(() => Load(connectionString, timeZone, cancellationToken), cancellationToken);

    private static async Task<PortfolioFacts> Load(string connectionString, string timeZone, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken);
        // The first statement takes the snapshot every later one reads: the version and its time are the facts'.
        var read = await DataVersion.ReadAsync(connection, cancellationToken);
        // The planner's row estimates size the columns up front (a hint: they grow if short).
        await using var estimate = new NpgsqlCommand(
            "SELECT greatest((SELECT reltuples FROM pg_class WHERE relname = 'customers'), 0)::int, greatest((SELECT reltuples FROM pg_class WHERE relname = 'customer_days'), 0)::int",
            connection);
        int expectedCustomers, expectedDays;
        await using (var reader = await estimate.ExecuteReaderAsync(cancellationToken))
        {
            await reader.ReadAsync(cancellationToken);
            (expectedCustomers, expectedDays) = (reader.GetInt32(0), reader.GetInt32(1));
        }

        var builder = new PortfolioFacts.Builder(read.Version, read.ReadAt, expectedCustomers, expectedDays);
        var zone = timeZone.Replace("'", "''", StringComparison.Ordinal);

        await using (var customers = await connection.BeginBinaryExportAsync(
            $"COPY (SELECT id, (acquired_at AT TIME ZONE '{zone}')::date, acquisition_channel, country FROM customers ORDER BY id) TO STDOUT (FORMAT BINARY)",
            cancellationToken))
        {
            while (customers.StartRow() != -1)
            {
                builder.AddCustomer(new CustomerFact(
                    customers.Read<long>(),
                    Nullable<DateOnly>(customers),
                    NullableRef<string>(customers),
                    NullableRef<string>(customers)));
            }
        }

        await using (var days = await connection.BeginBinaryExportAsync(
            "COPY (SELECT customer_id, day, purchase_count, gross_revenue, gross_revenue - refunds, cost, cost_count > 0 FROM customer_days ORDER BY customer_id, day) TO STDOUT (FORMAT BINARY)",
            cancellationToken))
        {
            while (days.StartRow() != -1)
            {
                builder.AddDay(new DayFact(
                    days.Read<long>(),
                    days.Read<DateOnly>(),
                    days.Read<int>(),
                    days.Read<decimal>(),
                    days.Read<decimal>(),
                    days.Read<decimal>(),
                    days.Read<bool>()));
            }
        }

        await using (var spend = new NpgsqlCommand("SELECT channel, period_start, period_end, amount FROM acquisition_spend", connection))
        await using (var reader = await spend.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                builder.AddSpend(new SpendFact(reader.GetString(0), reader.GetFieldValue<DateOnly>(1), reader.GetFieldValue<DateOnly>(2), reader.GetDecimal(3)));
            }
        }

        await using (var active = new NpgsqlCommand("SELECT id FROM model_runs WHERE is_active", connection))
        {
            if (await active.ExecuteScalarAsync(cancellationToken) is Guid runId)
            {
                builder.WithPredictions();
                await using var predictions = await connection.BeginBinaryExportAsync(
                    $"COPY (SELECT customer_id, predicted_clv, probability_alive FROM customer_predictions WHERE run_id = '{runId}') TO STDOUT (FORMAT BINARY)",
                    cancellationToken);
                while (predictions.StartRow() != -1)
                {
                    builder.AddPrediction(new PredictionFact(
                        predictions.Read<long>(),
                        predictions.Read<decimal>(),
                        predictions.Read<double>()));
                }
            }
        }

        await transaction.CommitAsync(cancellationToken);
        return builder.Build();
    }

    /// <summary>Each customer's value of a free attribute (null without it), in customer id order.</summary>
    public static async Task<Dictionary<long, string>> AttributeValuesAsync(this ClvDbContext db, string key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        await db.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            await using var command = new NpgsqlCommand(
                "SELECT id, attributes ->> @key FROM customers WHERE attributes ? @key", (NpgsqlConnection)db.Database.GetDbConnection());
            command.Parameters.Add(new NpgsqlParameter("key", key));
            var values = new Dictionary<long, string>();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                if (!reader.IsDBNull(1))
                {
                    values[reader.GetInt64(0)] = reader.GetString(1);
                }
            }

            return values;
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    private static T? Nullable<T>(NpgsqlBinaryExporter exporter)
        where T : struct
    {
        if (exporter.IsNull)
        {
            exporter.Skip();
            return null;
        }

        return exporter.Read<T>();
    }

    private static T? NullableRef<T>(NpgsqlBinaryExporter exporter)
        where T : class
    {
        if (exporter.IsNull)
        {
            exporter.Skip();
            return null;
        }

        return exporter.Read<T>();
    }
}
