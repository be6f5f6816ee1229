using Clv.Api.Tests.Infrastructure;

namespace Clv.Api.Tests.Ingestion;

/// <summary>
/// External ids compare byte by byte (collation "C") on every table that holds one, whatever the
/// database's locale: their keys then cost an import a memcmp per comparison, and ORDER BY gives
/// the ordinal order the writers lock ids in.
/// </summary>
public sealed class ExternalIdCollationTests(ClvApiFactory api) : IClassFixture<ClvApiFactory>
{
    private const string ExternalIdColumns =
        "FROM information_schema.columns WHERE table_schema = current_schema() AND column_name = 'external_id'";

    private const string Before = "20261205160000_PeriodRollupValuesFromSummaries";

    [Fact]
    public async Task Every_external_id_column_compares_bytes()
    {
        // Customers, transactions, subscriptions and feedback, and each one's lookup table by id
        // (with the partitions of the customer-keyed ones when the schema is partitioned).
        await api.ReadyAsync(); // the service migrates the database as it starts
        Assert.True(await api.ScalarAsync<long>($"SELECT count(*) {ExternalIdColumns}") >= 8);
        Assert.Equal(
            "",
            await api.ScalarAsync<string>($"SELECT coalesce(string_agg(table_name || ' ' || coalesce(collation_name, 'default'), ', '), '') {ExternalIdColumns} AND collation_name IS DISTINCT FROM 'C'"));
    }

    [Fact]
    public async Task The_migration_keeps_every_row_and_key_both_ways()
    {
        // An installation before the migration with two customers and their transactions' keys,
        // whose ids differ only in case and accent: up, the rows and their keys stay, and so down again.
        var database = new MigrationDatabase();
        await database.InitializeAsync();
        try
        {
            await database.MigrateAsync(Before);
            await database.ExecuteAsync(
                "INSERT INTO customers (external_id, acquired_at_is_explicit, created_at, updated_at) VALUES ('Émile', false, now(), now()), ('emile', false, now(), now());"
                + "INSERT INTO customer_keys (external_id, customer_id) SELECT external_id, id FROM customers;"
                + "INSERT INTO transaction_keys (external_id, customer_id) SELECT 'T-' || external_id, id FROM customers;");
            Assert.Equal(["default"], await CollationsAsync(database));

            await database.MigrateAsync(null);
            Assert.Equal(["C"], await CollationsAsync(database));
            Assert.Equal(["T-emile", "T-Émile"], await database.StringsAsync("SELECT external_id FROM transaction_keys ORDER BY external_id"));
            Assert.Equal(["emile", "Émile"], await database.StringsAsync("SELECT k.external_id FROM customer_keys k JOIN customers c ON c.id = k.customer_id AND c.external_id = k.external_id ORDER BY 1"));

            await database.MigrateAsync(Before);
            Assert.Equal(["default"], await CollationsAsync(database));
            Assert.Equal(2, (await database.StringsAsync("SELECT external_id FROM transaction_keys")).Count);
        }
        finally
        {
            await database.DisposeAsync();
        }
    }

    private static Task<List<string>> CollationsAsync(MigrationDatabase database) =>
        database.StringsAsync($"SELECT DISTINCT coalesce(collation_name, 'default') {ExternalIdColumns}");
}
