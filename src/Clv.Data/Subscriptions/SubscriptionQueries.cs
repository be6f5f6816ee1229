using Microsoft.EntityFrameworkCore;

namespace Clv.Data.Subscriptions;

/// <summary>A stored subscription as the contractual model runs and the customer detail read it.</summary>
/// <param name="ExternalId">The subscription's external id.</param>
/// <param name="Plan">Its plan.</param>
/// <param name="StartedAt">When it started.</param>
/// <param name="EndedAt">When it ended; null while active.</param>
/// <param name="BillingPeriod">How often it renews.</param>
/// <param name="Amount">The amount per period, in the reporting currency.</param>
public sealed record StoredSubscription(string ExternalId, string Plan, DateTimeOffset StartedAt, DateTimeOffset? EndedAt, BillingPeriod BillingPeriod, decimal Amount);

/// <summary>Reads of the subscriptions table: one row per subscription, small beside transactions.</summary>
public static class SubscriptionQueries
{
    /// <summary>Every subscription billed per <paramref name="period"/> that started before <paramref name="before"/>.</summary>
    public static Task<List<StoredSubscription>> BilledPerAsync(this ClvDbContext db, BillingPeriod period, DateTimeOffset before, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        return db.Subscriptions.AsNoTracking()
            .Where(s => s.BillingPeriod == period && s.StartedAt < before)
            .Select(s => new StoredSubscription(s.ExternalId, s.Plan, s.StartedAt, s.EndedAt, s.BillingPeriod, s.Amount))
            .ToListAsync(cancellationToken);
    }

    /// <summary>A customer's subscriptions, the latest started first.</summary>
    public static Task<List<StoredSubscription>> OfCustomerAsync(this ClvDbContext db, long customerId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        return db.Subscriptions.AsNoTracking()
            .Where(s => s.CustomerId == customerId)
            .OrderByDescending(s => s.StartedAt).ThenBy(s => s.ExternalId)
            .Select(s => new StoredSubscription(s.ExternalId, s.Plan, s.StartedAt, s.EndedAt, s.BillingPeriod, s.Amount))
            .ToListAsync(cancellationToken);
    }
}
