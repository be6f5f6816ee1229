using Clv.Data.Analytics;
using Clv.Data.Infrastructure;
using Npgsql;

namespace Clv.Data.Customers;

/// <summary>
/// The protocol of every write of customer data (profiles, transactions, a model run's swap): one
/// database transaction, re-run whole after a transient failure as its retry allows, that first
/// takes the writers' side of the erasure lock (<see cref="CustomerErasure.ShareAsync"/>: an
/// erasure never races it into leaving orphan rows), then makes its change, and last, when the
/// change stored something, bumps the data version (<see cref="DataVersion.BumpAsync(NpgsqlConnection, DateTimeOffset, DateOnly?, CancellationToken)"/>: kept
/// answers and rankings see it; the version row stays locked only until the commit).
/// </summary>
public static class CustomerDataWrites
{
    /// <summary>
    /// Runs <paramref name="work"/> under the protocol, in the context's current transaction or a
    /// new one; the work answers its result and whether it stored something that analytics see.
    /// <paramref name="earliestDay"/> is the earliest day (in any time zone) the change can touch,
    /// null for any day: answers as of earlier days outlive it (<see cref="DataVersion.BumpAsync(NpgsqlConnection, DateTimeOffset, DateOnly?, CancellationToken)"/>).
    /// </summary>
    public static Task<T> WriteCustomerDataAsync<T>(
        this ClvDbContext db,
        DateTimeOffset now,
        DateOnly? earliestDay,
        Func<NpgsqlConnection, CancellationToken, Task<(T Result, bool Stored)>> work,
        TransientRetry retry,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(work);
        return db.WriteCustomerDataAsync(now, earliestDay, async (connection, ct) =>
        {
            var (result, stored) = await work(connection, ct);
            return (result, stored, false);
        }, retry, cancellationToken);
    }

    /// <summary>
    /// As the other overload, where the work also answers whether its change touched any day after
    /// all: a customer without an acquisition date counts as of every day, so creating one that
    /// stays, or dating one, changes answers before <paramref name="earliestDay"/> too.
    /// </summary>
    public static Task<T> WriteCustomerDataAsync<T>(
        this ClvDbContext db,
        DateTimeOffset now,
        DateOnly? earliestDay,
        Func<NpgsqlConnection, CancellationToken, Task<(T Result, bool Stored, bool AnyDay)>> work,
        TransientRetry retry,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(work);
        return db.InTransactionAsync(async (connection, ct) =>
        {
            await CustomerErasure.ShareAsync(connection, ct);
            var (result, stored, anyDay) = await work(connection, ct);
            if (stored)
            {
                await DataVersion.BumpAsync(connection, now, anyDay ? null : earliestDay, ct);
            }

            return result;
        }, retry, cancellationToken);
    }
}
