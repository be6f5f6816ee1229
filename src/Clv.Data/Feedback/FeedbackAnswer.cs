namespace Clv.Data.Feedback;

/// <summary>One survey answer of a customer (NPS or CSAT), stored once per external id.</summary>
public sealed class FeedbackAnswer
{
    public long CustomerId { get; set; }

    /// <summary>The CRM's id of the answer: its idempotency key.</summary>
    public required string ExternalId { get; set; }

    /// <summary>When the customer answered.</summary>
    public DateTimeOffset AnsweredAt { get; set; }

    public FeedbackKind Kind { get; set; }

    /// <summary>0..10 for NPS, 1..5 for CSAT.</summary>
    public short Score { get; set; }

    /// <summary>The customer's free text, if any; personal data, erased with the customer.</summary>
    public string? Comment { get; set; }

    public DateTimeOffset IngestedAt { get; set; }
}

/// <summary>The survey an answer belongs to; stored as smallint.</summary>
public enum FeedbackKind : short
{
    /// <summary>Net Promoter Score, 0..10.</summary>
    Nps = 1,

    /// <summary>Customer satisfaction, 1..5.</summary>
    Csat = 2,
}

/// <summary>
/// The lookup from an answer's external id to its customer: keeps answer ids unique across
/// customers, which makes ingest idempotent, as <see cref="Transactions.TransactionKey"/> does for transactions.
/// </summary>
public sealed class FeedbackKey
{
    /// <summary>The CRM's answer id, at most 128 characters.</summary>
    public required string ExternalId { get; set; }

    /// <summary>The customer the answer belongs to.</summary>
    public long CustomerId { get; set; }
}
