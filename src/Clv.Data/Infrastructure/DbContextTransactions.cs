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
    public static Task<T> InTransactionAsync<T>(this ClvDbContext db, Func<NpgsqlConnection, CancellationToken, Task<T>> work, CancellationToken cancellationToken) =>
        db.InTransactionAsync(work, TransientRetry.None, cancellationToken);

    /// <summary>
    /// As <see cref="InTransactionAsync{T}(ClvDbContext, Func{NpgsqlConnection, CancellationToken, Task{T}}, CancellationToken)"/>;
    /// a transaction of its own is re-run whole after a transient failure, as <paramref name="retry"/>
    /// allows. Inside the caller's transaction nothing is retried: only the caller can re-run it all.
    /// </summary>
    public static async Task<T> InTransactionAsync<T>(this ClvDbContext db, Func<NpgsqlConnection, CancellationToken, Task<T>> work, TransientRetry retry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(work);
        ArgumentNullException.ThrowIfNull(retry);
        if (db.Database.CurrentTransaction is not null)
        {
            return await work((NpgsqlConnection)db.Database.GetDbConnection(), cancellationToken);
        }

        return await retry.ExecuteAsync(async ct =>
        {
            await db.Database.OpenConnectionAsync(ct);
            try
            {
                await using var transaction = await db.Database.BeginTransactionAsync(ct);
                var result = await work((NpgsqlConnection)db.Database.GetDbConnection(), ct);
                await transaction.CommitAsync(ct);
                return result;
            }
            finally
            {
                await db.Database.CloseConnectionAsync();
            }
        }, cancellationToken);
    }
}
