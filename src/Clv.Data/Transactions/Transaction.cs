namespace Clv.Data.Transactions;

/// <summary>A purchase or refund, stored once per external id.</summary>
public sealed class Transaction
{
    public long CustomerId { get; set; }

    /// <summary>The CRM's id of the transaction: its primary key and idempotency key.</summary>
    public required string ExternalId { get; set; }

    public DateTimeOffset OccurredAt { get; set; }

    public TransactionType Type { get; set; }

    /// <summary>The amount in the reporting currency, which every metric uses.</summary>
    public decimal Amount { get; set; }

    /// <summary>The reporting currency.</summary>
    public required string Currency { get; set; }

    /// <summary>The cost in the reporting currency, when known.</summary>
    public decimal? Cost { get; set; }

    /// <summary>The amount as sent, when it was in another currency; null for the reporting currency.</summary>
    public decimal? OriginalAmount { get; set; }

    /// <summary>The currency as sent, when not the reporting one.</summary>
    public string? OriginalCurrency { get; set; }

    /// <summary>The cost as sent, when in another currency.</summary>
    public decimal? OriginalCost { get; set; }

    /// <summary>The rate that converted it, fixed at ingest.</summary>
    public decimal? FxRate { get; set; }

    public DateTimeOffset IngestedAt { get; set; }
}
