using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Clv.Data.Infrastructure;

/// <summary>Runs raw Npgsql work on the DbContext's own connection and transaction.</summary>
public static class DbContextTransactions
{
    /// <summary>
    /// Runs <paramref name="work"/> inside the context's current transaction, or inside a new one
    /// that commits when the work returns and rolls back when it throws.
    /// </summary>
    public static async Task<T> InTransactionAsync<T>(this ClvDbContext db, Func<NpgsqlConnection, CancellationToken, Task<T>> work, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(work);
        await db.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            var connection = (NpgsqlConnection)db.Database.GetDbConnection();
            if (db.Database.CurrentTransaction is not null)
            {
                return await work(connection, cancellationToken);
            }

            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            var result = await work(connection, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return result;
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }
}
