namespace Clv.Analytics.Historical;

/// <summary>A customer's value to date.</summary>
/// <param name="PurchaseCount">Transactions of type purchase.</param>
/// <param name="PurchaseDays">Distinct calendar days, in the reporting time zone, with a purchase.</param>
/// <param name="RepeatPurchaseDays">Purchase days after the first: <c>PurchaseDays - 1</c>, or 0.</param>
/// <param name="GrossRevenue">Sum of purchases.</param>
/// <param name="Refunds">Sum of refunds.</param>
/// <param name="NetRevenue">Gross revenue less refunds.</param>
/// <param name="GrossProfit">Net revenue less known cost; null when no transaction carried a cost.</param>
/// <param name="AverageOrderValue">Gross revenue per purchase, to 4 decimals; null without purchases.</param>
/// <param name="FirstPurchaseAt">The first purchase, or null.</param>
/// <param name="LastPurchaseAt">The latest purchase, or null.</param>
/// <param name="TenureDays">Calendar days from acquisition to the as-of date; null when the acquisition is unknown.</param>
/// <param name="RecencyDays">Calendar days from the last purchase to the as-of date; null without purchases.</param>
public sealed record HistoricalMetrics(
    int PurchaseCount,
    int PurchaseDays,
    int RepeatPurchaseDays,
    decimal GrossRevenue,
    decimal Refunds,
    decimal NetRevenue,
    decimal? GrossProfit,
    decimal? AverageOrderValue,
    DateTimeOffset? FirstPurchaseAt,
    DateTimeOffset? LastPurchaseAt,
    int? TenureDays,
    int? RecencyDays)
{
    /// <summary>Historical CLV is net revenue to date.</summary>
    public decimal HistoricalClv => NetRevenue;
}
