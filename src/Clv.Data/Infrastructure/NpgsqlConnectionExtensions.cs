using Npgsql;

namespace Clv.Data.Infrastructure;

/// <summary>Terse raw commands for the hot paths that bypass EF Core.</summary>
public static class NpgsqlConnectionExtensions
{
    /// <summary>
    /// Gives the current transaction 64 MB per sort or hash instead of the server's default 4 MB:
    /// for the statements over a chunk of an import, a step of folding or a whole-portfolio
    /// question, which otherwise spill to disk. Per transaction, so what one may take stays bounded.
    /// </summary>
    public const string LargeWorkMemSql = "SET LOCAL work_mem = '64MB'";

    /// <summary>Runs one or more statements that return no rows.</summary>
    public static async Task ExecuteAsync(this NpgsqlConnection connection, string sql, CancellationToken ct, params NpgsqlParameter[] parameters)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddRange(parameters);
        await command.ExecuteNonQueryAsync(ct);
    }
}
