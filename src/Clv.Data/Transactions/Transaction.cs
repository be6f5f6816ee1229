namespace Clv.Data.Transactions;

/// <summary>A purchase or refund, stored once per external id.</summary>
public sealed class Transaction
{
    public long CustomerId { get; set; }

    /// <summary>The CRM's id of the transaction: its primary key and idempotency key.</summary>
    public required string ExternalId { get; set; }

    public DateTimeOffset OccurredAt { get; set; }

    public TransactionType Type { get; set; }

    public decimal Amount { get; set; }

    public required string Currency { get; set; }

    public decimal? Cost { get; set; }

    public DateTimeOffset IngestedAt { get; set; }
}
