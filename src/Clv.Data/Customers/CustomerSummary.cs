namespace Clv.Data.Customers;

/// <summary>
/// A customer's historical figures to date, recomputed from <see cref="CustomerDay"/> for every
/// customer an ingest touches. Every customer has one row, so lists can sort and page on it.
/// </summary>
public sealed class CustomerSummary
{
    public long CustomerId { get; set; }

    public int PurchaseCount { get; set; }

    public int PurchaseDays { get; set; }

    public decimal GrossRevenue { get; set; }

    public decimal Refunds { get; set; }

    public decimal NetRevenue { get; set; }

    /// <summary>Sum of known costs; null when no transaction of the customer carried a cost.</summary>
    public decimal? KnownCost { get; set; }

    public DateTimeOffset? FirstPurchaseAt { get; set; }

    public DateTimeOffset? LastPurchaseAt { get; set; }

    /// <summary>The first purchase day in the reporting time zone: the models' time origin.</summary>
    public DateOnly? FirstPurchaseDay { get; set; }

    /// <summary>The latest purchase day in the reporting time zone.</summary>
    public DateOnly? LastPurchaseDay { get; set; }

    /// <summary>
    /// Σ of the net value (purchases − refunds of the day) of every purchase day after the first:
    /// the spend model's monetary value is this over the repeat purchase days.
    /// </summary>
    public decimal RepeatDaysValue { get; set; }
}
