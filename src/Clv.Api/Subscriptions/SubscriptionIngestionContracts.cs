using Clv.Api.Requests;

namespace Clv.Api.Subscriptions;

/// <summary>A batch of subscriptions from a billing system.</summary>
public sealed class SubscriptionBatchRequest
{
    /// <summary>At most 10,000 subscriptions.</summary>
    public List<SubscriptionItem>? Subscriptions { get; set; }
}

/// <summary>One subscription as it stands now: a later post under the same external id replaces it.</summary>
public sealed class SubscriptionItem
{
    /// <summary>The billing system's subscription id, at most 128 characters; the upsert key.</summary>
    /// <example>sub-2024-0001</example>
    public string? ExternalId { get; set; }

    /// <summary>The CRM's customer id; an unknown customer is created. It cannot change once stored.</summary>
    /// <example>cust-42</example>
    public string? CustomerExternalId { get; set; }

    /// <summary>The plan, at most 64 characters.</summary>
    /// <example>pro</example>
    public string? Plan { get; set; }

    /// <summary>When it started: ISO 8601 date-time with an offset, from 1970-01-01 to one day ahead of now.</summary>
    /// <example>2024-01-15T00:00:00Z</example>
    public string? StartedAt { get; set; }

    /// <summary>When it ended (cancelled or lapsed), not before <c>startedAt</c>; absent or null while active.</summary>
    /// <example>2024-06-15T00:00:00Z</example>
    public string? EndedAt { get; set; }

    /// <summary><c>month</c> or <c>year</c>: it renews on the same day of each later month or year.</summary>
    /// <example>month</example>
    public string? BillingPeriod { get; set; }

    /// <summary>The amount billed per period, at least 0 and below 10^15, at most 4 decimals.</summary>
    /// <example>49.00</example>
    public decimal? Amount { get; set; }

    /// <summary>ISO 4217 code; another than the reporting currency is converted at the start's day.</summary>
    /// <example>USD</example>
    public string? Currency { get; set; }
}

/// <summary>What happened to a batch of subscriptions.</summary>
public sealed class SubscriptionIngestResponse
{
    /// <summary>Items (or CSV data rows) received.</summary>
    public long Received { get; set; }

    /// <summary>Subscriptions stored for the first time.</summary>
    public long Created { get; set; }

    /// <summary>Stored subscriptions that an item changed (a cancellation, a new plan or amount).</summary>
    public long Updated { get; set; }

    /// <summary>Stored subscriptions that an item repeated as they were.</summary>
    public long Unchanged { get; set; }

    /// <summary>Invalid items, not stored.</summary>
    public long Rejected { get; set; }

    /// <summary>Whether <c>errors</c> was cut at its limit of 1,000 entries.</summary>
    public bool ErrorsTruncated { get; set; }

    /// <summary>One entry per invalid field, naming the item.</summary>
    public List<ItemError> Errors { get; set; } = [];
}
