namespace Clv.Data.Subscriptions;

/// <summary>
/// One subscription of a customer (SaaS plan, membership), stored once per external id and
/// upserted: a later post with <see cref="EndedAt"/> records the cancellation.
/// </summary>
public sealed class Subscription
{
    public long CustomerId { get; set; }

    /// <summary>The billing system's id of the subscription: its upsert key.</summary>
    public required string ExternalId { get; set; }

    /// <summary>The plan, at most 64 characters: a cohort and a segment grouping.</summary>
    public required string Plan { get; set; }

    /// <summary>When the subscription started: its 0-th renewal date.</summary>
    public DateTimeOffset StartedAt { get; set; }

    /// <summary>When it ended (cancelled, lapsed); null while active.</summary>
    public DateTimeOffset? EndedAt { get; set; }

    public BillingPeriod BillingPeriod { get; set; }

    /// <summary>The amount billed per period in the reporting currency.</summary>
    public decimal Amount { get; set; }

    /// <summary>The reporting currency.</summary>
    public required string Currency { get; set; }

    /// <summary>The amount as sent, when it was in another currency; null for the reporting currency.</summary>
    public decimal? OriginalAmount { get; set; }

    /// <summary>The currency as sent, when not the reporting one.</summary>
    public string? OriginalCurrency { get; set; }

    /// <summary>The rate that converted it, fixed at ingest (at the start's day).</summary>
    public decimal? FxRate { get; set; }

    public DateTimeOffset IngestedAt { get; set; }

    /// <summary>When a post last changed the row.</summary>
    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>How often a subscription renews; stored as smallint.</summary>
public enum BillingPeriod : short
{
    /// <summary>Monthly: renewals on the same day of each later month (the last day when shorter).</summary>
    Month = 1,

    /// <summary>Yearly: renewals on the same day of each later year.</summary>
    Year = 2,
}

/// <summary>
/// The lookup from a subscription's external id to its customer: keeps subscription ids unique
/// across customers (a subscription never moves to another customer), as <see cref="Transactions.TransactionKey"/> does for transactions.
/// </summary>
public sealed class SubscriptionKey
{
    /// <summary>The billing system's subscription id, at most 128 characters.</summary>
    public required string ExternalId { get; set; }

    /// <summary>The customer the subscription belongs to.</summary>
    public long CustomerId { get; set; }
}
