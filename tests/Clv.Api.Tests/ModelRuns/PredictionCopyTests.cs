using Clv.Analytics.ModelRuns;
using Clv.Api.Tests.Infrastructure;
using Clv.Data.ModelRuns;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Clv.Api.Tests.ModelRuns;

/// <summary>
/// A run's predictions reach PostgreSQL in the binary COPY format written by hand (PgBinaryCopyWriter): every kind
/// of value a row holds comes back from the table as it was given, the numeric digits at their edges (a base-10,000
/// digit's carry, the decimals, the sign, the largest money figure) included.
/// </summary>
public sealed class PredictionCopyTests(ClvApiFactory api) : IClassFixture<ClvApiFactory>
{
    private static readonly decimal[] Money =
    [
        0m, 0.0001m, -0.0001m, 12.5m, 9_999.9999m, 10_000m, -98_765.4321m, 1_234_567_890_123.0001m,
        PredictionColumns.MaxMoney, -PredictionColumns.MaxMoney,
    ];

    private readonly ClvApiFactory _api = api;

    [Fact]
    public async Task Every_value_of_a_row_comes_back_as_written()
    {
        var n = Money.Length;
        var columns = new PredictionColumns(n)
        {
            Intervals = new PredictionIntervals(n, 0.9),
        };
        for (var i = 0; i < n; i++)
        {
            columns.CustomerIds[i] = 1_000_000_000_000L + i;
            columns.Frequency[i] = i;
            columns.Recency[i] = i * 0.1;
            columns.Age[i] = i == 0 ? double.NaN : 1e-300 * i;
            columns.ExpectedPurchases[i] = i == 1 ? double.MaxValue : -0.0;
            columns.ProbabilityAlive[i] = 1.0 / (i + 3);
            columns.ExpectedAverageSpend[i] = Money[i];
            columns.PredictedClv[i] = Money[n - 1 - i];
            columns.PredictedGrossProfitClv[i] = i % 2 == 0 ? Money[i] : null;
            columns.Intervals.ClvLower[i] = i == 2 ? double.NaN : -1.23456; // stored as money: 4 decimals
            columns.Intervals.ClvUpper[i] = 7_654.32109;
            columns.Intervals.PurchasesLower[i] = i == 3 ? double.NaN : 0.25;
            columns.Intervals.PurchasesUpper[i] = 2.5;
            columns.Intervals.AliveLower[i] = 0.125;
            columns.Intervals.AliveUpper[i] = 0.875;
        }

        using var scope = _api.Services.CreateScope(); // the service is up, its schema migrated
        var run = await _api.InsertRunningRunAsync();
        await scope.ServiceProvider.GetRequiredService<PredictionStore>().LoadAsync(run, columns, CancellationToken.None);

        await using var connection = new NpgsqlConnection(_api.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            $"""
            SELECT run_id, customer_id, frequency, recency, age, expected_purchases, probability_alive, expected_average_spend,
                   predicted_clv, predicted_gross_profit_clv, alternatives, predicted_clv_lo, predicted_clv_hi,
                   expected_purchases_lo, expected_purchases_hi, probability_alive_lo, probability_alive_hi, predicted_clv::text
            FROM (SELECT * FROM customer_predictions_{run:N}_0 UNION ALL SELECT * FROM customer_predictions_{run:N}_1) p ORDER BY customer_id
            """,
            connection);
        await using var reader = await command.ExecuteReaderAsync();
        var row = 0;
        while (await reader.ReadAsync())
        {
            Assert.Equal(run, reader.GetGuid(0));
            Assert.Equal(1_000_000_000_000L + row, reader.GetInt64(1));
            Assert.Equal((double)row, reader.GetDouble(2));
            Assert.Equal(row * 0.1, reader.GetDouble(3));
            Assert.Equal(row == 0 ? double.NaN : 1e-300 * row, reader.GetDouble(4));
            Assert.Equal(row == 1 ? double.MaxValue : -0.0, reader.GetDouble(5));
            Assert.Equal(1.0 / (row + 3), reader.GetDouble(6));
            Assert.Equal(Money[row], reader.GetDecimal(7));
            Assert.Equal(Money[n - 1 - row], reader.GetDecimal(8));
            Assert.Equal(row % 2 == 0 ? Money[row] : (decimal?)null, reader.IsDBNull(9) ? null : reader.GetDecimal(9));
            Assert.True(reader.IsDBNull(10));
            Assert.Equal(row == 2 ? null : -1.2346m, reader.IsDBNull(11) ? null : (decimal?)reader.GetDecimal(11));
            Assert.Equal(row == 2 ? null : 7_654.3211m, reader.IsDBNull(12) ? null : (decimal?)reader.GetDecimal(12));
            Assert.Equal(row == 3 ? null : 0.25, reader.IsDBNull(13) ? null : (double?)reader.GetDouble(13));
            Assert.Equal(2.5, reader.GetDouble(14));
            Assert.Equal(0.125, reader.GetDouble(15));
            Assert.Equal(0.875, reader.GetDouble(16));
            // The digits as PostgreSQL prints them: always the column's four decimals.
            Assert.Equal(Money[n - 1 - row].ToString("0.0000", System.Globalization.CultureInfo.InvariantCulture), reader.GetString(17));
            row++;
        }

        Assert.Equal(n, row);
    }

    [Theory]
    [InlineData(1_000)]
    [InlineData(1)]
    public async Task A_runs_rows_are_split_by_range_of_customer_id_into_keyed_tables_that_the_swap_attaches(int n)
    {
        // Ids drawn from a sequence with gaps (customers without a purchase are not predicted), in no order.
        var random = new Random(n);
        var ids = Enumerable.Range(0, n).Select(i => 5_000L + (3 * i) + random.Next(3)).OrderBy(_ => random.Next()).ToArray();
        var columns = new PredictionColumns(n);
        ids.CopyTo(columns.CustomerIds, 0);
        using var scope = _api.Services.CreateScope();
        var store = scope.ServiceProvider.GetRequiredService<PredictionStore>();
        var run = await _api.InsertRunningRunAsync();

        var loaded = await store.LoadAsync(run, columns, CancellationToken.None);

        // Each table holds the ids of its range, and every id is in one; each is keyed.
        Assert.Equal(PredictionStore.Parts, loaded.Bounds.Count + 1);
        var held = new List<long>();
        for (var part = 0; part < PredictionStore.Parts; part++)
        {
            var (from, to) = loaded.Range(part);
            var rows = await RowsAsync($"SELECT customer_id FROM {loaded.Table(part)}", r => r.GetInt64(0));
            Assert.All(rows, id => Assert.True(id >= (from ?? long.MinValue) && id < (to ?? long.MaxValue), $"{id} is outside part {part}"));
            if (n > 1)
            {
                Assert.InRange(rows.Count, n / 3, 2 * n / 3); // about half each
            }

            Assert.Equal("p", await _api.ScalarAsync<string>($"SELECT contype::text FROM pg_constraint WHERE conrelid = '{loaded.Table(part)}'::regclass AND contype = 'p'"));
            held.AddRange(rows);
        }

        Assert.Equal(ids.Order(), held.Order());

        // The swap attaches them as the run's ranges: the parent finds every row.
        var erasures = await store.ErasuresAsync(CancellationToken.None);
        Assert.True(await store.ActivateAsync(loaded, erasures, yieldToPinned: false, DateTimeOffset.UtcNow, CancellationToken.None));
        Assert.Equal(n, await _api.ScalarAsync<long>($"SELECT count(*) FROM customer_predictions WHERE run_id = '{run}'"));
        Assert.Equal(ids[0], await _api.ScalarAsync<long>($"SELECT customer_id FROM customer_predictions WHERE run_id = '{run}' AND customer_id = {ids[0]}"));
        var bounds = await RowsAsync(
            $"""
            SELECT pg_get_expr(c.relpartbound, c.oid) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
            WHERE i.inhparent = 'customer_predictions'::regclass AND c.relname LIKE 'customer\_predictions\_{run:N}\_%' ORDER BY c.relname
            """,
            r => r.GetString(0));
        Assert.Equal(
            [
                $"FOR VALUES FROM ('{run}', MINVALUE) TO ('{run}', '{loaded.Bounds[0]}')",
                $"FOR VALUES FROM ('{run}', '{loaded.Bounds[0]}') TO ('{run}', MAXVALUE)",
            ],
            bounds);
    }

    private async Task<List<T>> RowsAsync<T>(string sql, Func<NpgsqlDataReader, T> read)
    {
        await using var connection = new NpgsqlConnection(_api.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<T>();
        while (await reader.ReadAsync())
        {
            rows.Add(read(reader));
        }

        return rows;
    }
}
