using Npgsql;

namespace Clv.Data.Infrastructure;

/// <summary>Terse raw commands for the hot paths that bypass EF Core.</summary>
public static class NpgsqlConnectionExtensions
{
    /// <summary>Runs one or more statements that return no rows.</summary>
    public static async Task ExecuteAsync(this NpgsqlConnection connection, string sql, CancellationToken ct, params NpgsqlParameter[] parameters)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddRange(parameters);
        await command.ExecuteNonQueryAsync(ct);
    }
}
