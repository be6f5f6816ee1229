namespace Clv.Data.Transactions;

/// <summary>
/// The lookup from a transaction's external id to its customer: keeps transaction ids unique
/// across customers, which makes ingest idempotent. Keyed by the external id alone, as
/// <see cref="Customers.CustomerKey"/> is, for the same reason.
/// </summary>
public sealed class TransactionKey
{
    /// <summary>The CRM's transaction id, at most 128 characters.</summary>
    public required string ExternalId { get; set; }

    /// <summary>The customer the transaction belongs to.</summary>
    public long CustomerId { get; set; }
}
