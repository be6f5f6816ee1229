using Clv.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql;

namespace Clv.Api.Tests.Infrastructure;

/// <summary>
/// A database of its own for a test of a migration on an existing installation: migrated step by
/// step to the migrations a test names, with rows set up in SQL in between.
/// </summary>
public sealed class MigrationDatabase : IAsyncLifetime
{
    /// <summary>The database's connection string, once initialized.</summary>
    public string ConnectionString { get; private set; } = "";

    public async Task InitializeAsync() => ConnectionString = await TestPostgres.CreateDatabaseAsync();

    public Task DisposeAsync() => TestPostgres.DropDatabaseAsync(ConnectionString);

    /// <summary>Migrates the database, up or down, to the target migration (the latest when null).</summary>
    public async Task MigrateAsync(string? target)
    {
        var options = new DbContextOptionsBuilder<ClvDbContext>();
        ClvDbContext.Configure(options, ConnectionString);
        await using var db = new ClvDbContext(options.Options);
        await db.GetService<IMigrator>().MigrateAsync(target);
    }

    /// <summary>Runs SQL, to set up what a test needs.</summary>
    public async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Each row of a query: <paramref name="read"/> of its reader.</summary>
    public async Task<List<T>> RowsAsync<T>(string sql, Func<NpgsqlDataReader, T> read)
    {
        var rows = new List<T>();
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add(read(reader));
        }

        return rows;
    }

    /// <summary>The first column of each row of a query, as text.</summary>
    public Task<List<string>> StringsAsync(string sql) => RowsAsync(sql, r => r.GetString(0));

    /// <summary>The data version (<c>data_version</c>'s one row).</summary>
    public async Task<long> DataVersionAsync() => Assert.Single(await RowsAsync("SELECT version FROM data_version", r => r.GetInt64(0)));
}
