namespace Clv.Data.Customers;

/// <summary>
/// The lookup from the CRM's customer id to Clv's: the one place that keeps external ids unique.
/// Keyed by the external id alone, so that on Citus, where every table keyed by customer is
/// distributed by the customer id, this table is distributed by the external id (docs/scale-out.md).
/// </summary>
public sealed class CustomerKey
{
    /// <summary>The CRM's id, at most 128 characters.</summary>
    public required string ExternalId { get; set; }

    /// <summary>The customer's id.</summary>
    public long CustomerId { get; set; }
}
