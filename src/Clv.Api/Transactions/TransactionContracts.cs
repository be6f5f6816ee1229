using Clv.Api.Requests;

namespace Clv.Api.Transactions;

/// <summary>A batch of transactions from a CRM.</summary>
public sealed class TransactionBatchRequest
{
    /// <summary>At most 10,000 transactions.</summary>
    public List<TransactionItem>? Transactions { get; set; }
}

/// <summary>One purchase or refund.</summary>
public sealed class TransactionItem
{
    /// <summary>The CRM's transaction id, at most 128 characters; the transaction's idempotency key.</summary>
    /// <example>ord-10001</example>
    public string? ExternalId { get; set; }

    /// <summary>The CRM's customer id. An unknown customer is created.</summary>
    /// <example>cust-42</example>
    public string? CustomerExternalId { get; set; }

    /// <summary>ISO 8601 date-time with an offset, from 1970-01-01 to one day ahead of now.</summary>
    /// <example>2024-03-15T14:30:00Z</example>
    public string? OccurredAt { get; set; }

    /// <summary><c>purchase</c> or <c>refund</c>.</summary>
    /// <example>purchase</example>
    public string? Type { get; set; }

    /// <summary>At least 0 for a purchase, above 0 for a refund; at most 4 decimals.</summary>
    /// <example>49.90</example>
    public decimal? Amount { get; set; }

    /// <summary>
    /// ISO 4217 code (required). Another currency than the reporting one is converted with the
    /// latest rate posted to <c>/api/v1/fx-rates</c> on or before the transaction's day in the
    /// reporting time zone, at most <c>Clv:FxMaxAgeDays</c> older; without such a rate the item is rejected.
    /// </summary>
    /// <example>USD</example>
    public string? Currency { get; set; }

    /// <summary>Optional cost of goods, at least 0, at most 4 decimals; enables gross profit.</summary>
    /// <example>20.00</example>
    public decimal? Cost { get; set; }
}

/// <summary>What happened to a batch of transactions.</summary>
public sealed class TransactionIngestResponse
{
    /// <summary>Items (or CSV data rows) received.</summary>
    public long Received { get; set; }

    /// <summary>Items stored by this request.</summary>
    public long Inserted { get; set; }

    /// <summary>Valid items whose external id was already stored, or repeated earlier in the batch.</summary>
    public long Duplicates { get; set; }

    /// <summary>Invalid items, not stored.</summary>
    public long Rejected { get; set; }

    /// <summary>Whether <c>errors</c> was cut at its limit of 1,000 entries.</summary>
    public bool ErrorsTruncated { get; set; }

    /// <summary>One entry per invalid field, naming the item.</summary>
    public List<ItemError> Errors { get; set; } = [];
}
