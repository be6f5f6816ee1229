using Clv.Data.Transactions;

namespace Clv.Data.Ingestion;

/// <summary>A validated transaction, ready to store. Amounts are in the reporting currency.</summary>
public sealed record TransactionRow(
    string ExternalId,
    string CustomerExternalId,
    DateTimeOffset OccurredAt,
    TransactionType Type,
    decimal Amount,
    string Currency,
    decimal? Cost);

/// <summary>A validated customer profile; null fields keep the stored values.</summary>
public sealed record CustomerRow(
    string ExternalId,
    DateTimeOffset? AcquiredAt,
    string? AcquisitionChannel,
    string? Country,
    string? AttributesJson);

/// <summary>A validated spend row.</summary>
public sealed record SpendRow(string Channel, DateOnly PeriodStart, DateOnly PeriodEnd, decimal Amount, string Currency);

/// <summary>How many rows a write created and how many it found already stored.</summary>
public readonly record struct WriteCounts(long Created, long Existing);
