using Clv.Analytics.Historical;

namespace Clv.Analytics.Tests.Historical;

public sealed class HistoricalClvCalculatorTests
{
    private static readonly TimeZoneInfo Utc = TimeZoneInfo.Utc;
    private static readonly TimeZoneInfo NewYork = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");
    private static readonly DateTimeOffset Now = At("2024-03-01T00:00:00Z");

    private static DateTimeOffset At(string iso) => DateTimeOffset.Parse(iso, System.Globalization.CultureInfo.InvariantCulture);

    private static TransactionRecord Purchase(string at, decimal amount, decimal? cost = null) => new(At(at), TransactionKind.Purchase, amount, cost);

    private static TransactionRecord Refund(string at, decimal amount, decimal? cost = null) => new(At(at), TransactionKind.Refund, amount, cost);

    [Fact]
    public void Refunds_reduce_net_revenue_but_not_purchases_or_purchase_days()
    {
        // gross 100 + 50 = 150, refunds 30: net 120.
        var m = HistoricalClvCalculator.Compute(
            [Purchase("2024-01-01T10:00:00Z", 100m), Purchase("2024-01-02T10:00:00Z", 50m), Refund("2024-01-03T10:00:00Z", 30m)],
            At("2024-01-01T10:00:00Z"), Now, null, Utc);

        Assert.Equal((2, 2, 150m, 30m, 120m, 120m), (m.PurchaseCount, m.PurchaseDays, m.GrossRevenue, m.Refunds, m.NetRevenue, m.HistoricalClv));
        Assert.Equal(75m, m.AverageOrderValue); // 150 / 2 purchases
    }

    [Fact]
    public void Several_purchases_on_one_day_are_one_purchase_day()
    {
        var m = HistoricalClvCalculator.Compute(
            [Purchase("2024-01-05T01:00:00Z", 10m), Purchase("2024-01-05T13:00:00Z", 20m), Purchase("2024-01-05T23:59:59Z", 30m), Purchase("2024-01-09T00:00:00Z", 5m)],
            null, Now, null, Utc);

        Assert.Equal(4, m.PurchaseCount);
        Assert.Equal(2, m.PurchaseDays);
        Assert.Equal(1, m.RepeatPurchaseDays);
    }

    [Fact]
    public void Day_boundaries_follow_the_reporting_time_zone()
    {
        // In New York (UTC-5 in January) 2024-01-10T23:30Z and 2024-01-11T04:59Z are both on 2024-01-10;
        // 2024-01-11T05:00Z is midnight of 2024-01-11. In UTC the first is on the 10th, the others on the 11th.
        TransactionRecord[] txs = [Purchase("2024-01-10T23:30:00Z", 1m), Purchase("2024-01-11T04:59:00Z", 1m), Purchase("2024-01-11T05:00:00Z", 1m)];

        Assert.Equal(2, HistoricalClvCalculator.Compute(txs, null, Now, null, NewYork).PurchaseDays);
        Assert.Equal(2, HistoricalClvCalculator.Compute(txs, null, Now, null, Utc).PurchaseDays);
        Assert.Equal(new DateOnly(2024, 1, 10), HistoricalClvCalculator.LocalDate(At("2024-01-11T04:59:00Z"), NewYork));
        Assert.Equal(At("2024-01-11T05:00:00Z"), HistoricalClvCalculator.EndOfDay(new DateOnly(2024, 1, 10), NewYork));
    }

    [Fact]
    public void End_of_day_across_a_daylight_saving_change_uses_the_offset_of_that_midnight()
    {
        // New York springs forward on 2024-03-10; midnight of the 11th is in EDT (UTC-4).
        Assert.Equal(At("2024-03-11T04:00:00Z"), HistoricalClvCalculator.EndOfDay(new DateOnly(2024, 3, 10), NewYork));
    }

    [Fact]
    public void AsOf_cutoff_leaves_out_later_transactions_and_measures_tenure_and_recency_to_that_day()
    {
        TransactionRecord[] txs = [Purchase("2024-01-01T10:00:00Z", 10m), Purchase("2024-01-20T10:00:00Z", 20m), Refund("2024-02-01T10:00:00Z", 5m)];
        var cutoff = HistoricalClvCalculator.EndOfDay(new DateOnly(2024, 1, 25), Utc);

        var m = HistoricalClvCalculator.Compute(txs, At("2024-01-01T10:00:00Z"), cutoff.AddTicks(-1), cutoff, Utc);

        Assert.Equal(30m, m.NetRevenue); // the refund of 1 February is after the as-of day
        Assert.Equal(24, m.TenureDays); // 2024-01-01 to 2024-01-25
        Assert.Equal(5, m.RecencyDays); // 2024-01-20 to 2024-01-25
    }

    [Fact]
    public void Zero_value_purchases_count_as_purchases_and_purchase_days()
    {
        var m = HistoricalClvCalculator.Compute([Purchase("2024-01-01T10:00:00Z", 0m), Purchase("2024-01-03T10:00:00Z", 0m)], null, Now, null, Utc);

        Assert.Equal((2, 2, 0m, 0m), (m.PurchaseCount, m.PurchaseDays, m.NetRevenue, m.AverageOrderValue!.Value));
    }

    [Fact]
    public void Gross_profit_subtracts_known_cost_and_refunded_cost_comes_back()
    {
        // net = 100 + 40 - 40 = 100; cost = 60 + 25 - 25 (the refunded goods) = 60; profit 40.
        var m = HistoricalClvCalculator.Compute(
            [Purchase("2024-01-01T10:00:00Z", 100m, 60m), Purchase("2024-01-02T10:00:00Z", 40m, 25m), Refund("2024-01-03T10:00:00Z", 40m, 25m)],
            null, Now, null, Utc);

        Assert.Equal(40m, m.GrossProfit);
    }

    [Fact]
    public void Gross_profit_is_null_when_no_cost_is_known()
    {
        Assert.Null(HistoricalClvCalculator.Compute([Purchase("2024-01-01T10:00:00Z", 100m)], null, Now, null, Utc).GrossProfit);
    }

    [Fact]
    public void A_customer_without_purchases_has_zeros_and_no_dates()
    {
        var m = HistoricalClvCalculator.Compute([], At("2024-01-01T00:00:00Z"), Now, null, Utc);

        Assert.Equal((0, 0, 0, 0m), (m.PurchaseCount, m.PurchaseDays, m.RepeatPurchaseDays, m.NetRevenue));
        Assert.Null(m.AverageOrderValue);
        Assert.Null(m.RecencyDays);
        Assert.Equal(60, m.TenureDays); // 2024-01-01 to 2024-03-01 is 31 + 29 days
    }

    [Fact]
    public void Average_order_value_rounds_to_four_decimals_half_away_from_zero()
    {
        // 10 / 3 = 3.33333... -> 3.3333; 0.00005 * 2 / 2 stays exact.
        var m = HistoricalClvCalculator.Compute([Purchase("2024-01-01T10:00:00Z", 4m), Purchase("2024-01-02T10:00:00Z", 3m), Purchase("2024-01-03T10:00:00Z", 3m)], null, Now, null, Utc);

        Assert.Equal(3.3333m, m.AverageOrderValue);
        Assert.Equal(0.0001m, HistoricalClvCalculator.RoundMoney(0.00005m));
    }
}
