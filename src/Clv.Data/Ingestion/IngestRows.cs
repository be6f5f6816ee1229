using Clv.Data.Transactions;

namespace Clv.Data.Ingestion;

/// <summary>
/// A validated transaction, ready to store. <see cref="Amount"/>, <see cref="Currency"/> and
/// <see cref="Cost"/> are in the reporting currency; the original figures are kept when it was
/// sent in another currency.
/// </summary>
public sealed record TransactionRow(
    string ExternalId,
    string CustomerExternalId,
    DateTimeOffset OccurredAt,
    TransactionType Type,
    decimal Amount,
    string Currency,
    decimal? Cost,
    decimal? OriginalAmount = null,
    string? OriginalCurrency = null,
    decimal? OriginalCost = null,
    decimal? FxRate = null);

/// <summary>A validated customer profile; null fields keep the stored values.</summary>
public sealed record CustomerRow(
    string ExternalId,
    DateTimeOffset? AcquiredAt,
    string? AcquisitionChannel,
    string? Country,
    string? AttributesJson);

/// <summary>A validated spend row; the amount is in the reporting currency, the original kept when converted.</summary>
public sealed record SpendRow(
    string Channel,
    DateOnly PeriodStart,
    DateOnly PeriodEnd,
    decimal Amount,
    string Currency,
    decimal? OriginalAmount = null,
    string? OriginalCurrency = null,
    decimal? FxRate = null);

/// <summary>How many rows a write created and how many it found already stored.</summary>
public readonly record struct WriteCounts(long Created, long Existing);

/// <summary>What an upsert of customer profiles, acquisition spend or FX rates did.</summary>
/// <param name="Created">Rows stored for the first time.</param>
/// <param name="Updated">Stored rows an item changed.</param>
/// <param name="Unchanged">Stored rows an item repeated as they were (a profile's absent fields keep theirs), not written.</param>
public readonly record struct UpsertCounts(long Created, long Updated, long Unchanged);

/// <summary>A validated NPS or CSAT answer, ready to store.</summary>
public sealed record FeedbackRow(
    string ExternalId,
    string CustomerExternalId,
    DateTimeOffset AnsweredAt,
    Feedback.FeedbackKind Kind,
    short Score,
    string? Comment);

/// <summary>
/// A validated subscription, ready to upsert; <see cref="Amount"/> and <see cref="Currency"/> are in
/// the reporting currency, the original figures kept when it was sent in another currency.
/// </summary>
public sealed record SubscriptionRow(
    string ExternalId,
    string CustomerExternalId,
    string Plan,
    DateTimeOffset StartedAt,
    DateTimeOffset? EndedAt,
    Subscriptions.BillingPeriod BillingPeriod,
    decimal Amount,
    string Currency,
    decimal? OriginalAmount = null,
    string? OriginalCurrency = null,
    decimal? FxRate = null);

/// <summary>What an upsert of subscriptions did.</summary>
/// <param name="Created">Subscriptions stored for the first time.</param>
/// <param name="Updated">Stored subscriptions a row changed.</param>
/// <param name="Unchanged">Stored subscriptions a row repeated as they were.</param>
/// <param name="OtherCustomer">External ids stored under another customer than the row's: not written.</param>
public sealed record SubscriptionWriteCounts(long Created, long Updated, long Unchanged, IReadOnlySet<string> OtherCustomer);
