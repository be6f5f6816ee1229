namespace Clv.Analytics.Historical;

/// <summary>
/// The additive totals from which every historical figure is derived, whether they were summed
/// in memory from transactions or in the database from the day rollup.
/// </summary>
/// <param name="PurchaseCount">Purchases.</param>
/// <param name="PurchaseDays">Distinct purchase days.</param>
/// <param name="GrossRevenue">Sum of purchases.</param>
/// <param name="Refunds">Sum of refunds.</param>
/// <param name="KnownCost">Purchase costs less refunded costs, or null when no cost is known.</param>
/// <param name="FirstPurchaseAt">First purchase.</param>
/// <param name="LastPurchaseAt">Latest purchase.</param>
public readonly record struct HistoricalTotals(
    int PurchaseCount,
    int PurchaseDays,
    decimal GrossRevenue,
    decimal Refunds,
    decimal? KnownCost,
    DateTimeOffset? FirstPurchaseAt,
    DateTimeOffset? LastPurchaseAt)
{
    /// <summary>Derives the reported figures, with tenure and recency in calendar days up to <paramref name="asOf"/>.</summary>
    public HistoricalMetrics ToMetrics(DateTimeOffset? acquiredAt, DateTimeOffset asOf, TimeZoneInfo timeZone)
    {
        ArgumentNullException.ThrowIfNull(timeZone);
        var net = GrossRevenue - Refunds;
        var asOfDate = HistoricalClvCalculator.LocalDate(asOf, timeZone);
        return new HistoricalMetrics(
            PurchaseCount: PurchaseCount,
            PurchaseDays: PurchaseDays,
            RepeatPurchaseDays: Math.Max(PurchaseDays - 1, 0),
            GrossRevenue: GrossRevenue,
            Refunds: Refunds,
            NetRevenue: net,
            GrossProfit: KnownCost is { } cost ? net - cost : null,
            AverageOrderValue: PurchaseCount == 0 ? null : HistoricalClvCalculator.RoundMoney(GrossRevenue / PurchaseCount),
            FirstPurchaseAt: FirstPurchaseAt,
            LastPurchaseAt: LastPurchaseAt,
            TenureDays: acquiredAt is { } a ? DaysBetween(HistoricalClvCalculator.LocalDate(a, timeZone), asOfDate) : null,
            RecencyDays: LastPurchaseAt is { } l ? DaysBetween(HistoricalClvCalculator.LocalDate(l, timeZone), asOfDate) : null);
    }

    // A purchase dated after the as-of moment (allowed up to a day ahead) counts as recent, not negative.
    private static int DaysBetween(DateOnly from, DateOnly to) => Math.Max(to.DayNumber - from.DayNumber, 0);
}
