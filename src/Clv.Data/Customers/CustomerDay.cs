namespace Clv.Data.Customers;

/// <summary>
/// One customer's transactions on one calendar day of the reporting time zone, kept current at
/// ingest. Purchase days, the models' customer summaries and cohorts all read this rollup rather
/// than the raw transactions.
/// </summary>
public sealed class CustomerDay
{
    public long CustomerId { get; set; }

    public DateOnly Day { get; set; }

    public int PurchaseCount { get; set; }

    public int RefundCount { get; set; }

    public decimal GrossRevenue { get; set; }

    public decimal Refunds { get; set; }

    /// <summary>Known cost of the day: purchase costs less the costs of refunded goods.</summary>
    public decimal Cost { get; set; }

    /// <summary>How many of the day's transactions carried a cost.</summary>
    public int CostCount { get; set; }

    public DateTimeOffset? FirstPurchaseAt { get; set; }

    public DateTimeOffset? LastPurchaseAt { get; set; }
}
