using Clv.Data.Ingestion;
using Clv.Data.Rollups;
using Clv.Data.Transactions;

namespace Clv.Api.Tests.Ingestion;

/// <summary>
/// How a write sums its rows into customer days (<c>RollupWriter.SumByDay</c>): rows come in
/// customer order, each customer's in any order, and the days come out in (customer, day) order
/// with every row counted once, on its calendar day in the reporting time zone.
/// </summary>
public sealed class DaySumTests
{
    private static readonly TimeZoneInfo NewYork = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");

    [Fact]
    public void Each_customers_rows_in_any_order_sum_into_their_days_in_order()
    {
        // Customer 7: 01-03 buys 7 at 10:00 and refunds 2 at 08:00 (cost 1 on the purchase);
        // 01-01 buys 10 at 09:00 and 5 at 23:00; 01-02 buys 20. Customer 9: 01-02 buys 3, 01-01 buys 4.
        var rows = new CustomerRows(
            [
                Row("a1", "c7", "2024-01-03T10:00:00Z", 7m, cost: 1m),
                Row("a2", "c7", "2024-01-01T09:00:00Z", 10m),
                Row("a3", "c7", "2024-01-03T08:00:00Z", 2m, TransactionType.Refund),
                Row("a4", "c7", "2024-01-01T23:00:00Z", 5m),
                Row("a5", "c7", "2024-01-02T12:00:00Z", 20m),
                Row("b1", "c9", "2024-01-02T12:00:00Z", 3m),
                Row("b2", "c9", "2024-01-01T12:00:00Z", 4m),
            ],
            [7, 7, 7, 7, 7, 9, 9]);

        var days = RollupWriter.SumByDay(rows, TimeZoneInfo.Utc);

        Assert.Equal(
            [
                (7L, "2024-01-01", 2, 0, 15m, 0m, 0m, 0, "2024-01-01T09:00:00Z", "2024-01-01T23:00:00Z"),
                (7L, "2024-01-02", 1, 0, 20m, 0m, 0m, 0, "2024-01-02T12:00:00Z", "2024-01-02T12:00:00Z"),
                (7L, "2024-01-03", 1, 1, 7m, 2m, 1m, 1, "2024-01-03T10:00:00Z", "2024-01-03T10:00:00Z"),
                (9L, "2024-01-01", 1, 0, 4m, 0m, 0m, 0, "2024-01-01T12:00:00Z", "2024-01-01T12:00:00Z"),
                (9L, "2024-01-02", 1, 0, 3m, 0m, 0m, 0, "2024-01-02T12:00:00Z", "2024-01-02T12:00:00Z"),
            ],
            days.Select(Describe));
    }

    [Fact]
    public void A_day_is_the_reporting_time_zones_calendar_day()
    {
        // 2024-01-02T03:30Z is 22:30 on 01-01 in New York (UTC-5), as is 2024-01-01T15:00Z; 2024-01-02T05:30Z
        // is 00:30 on 01-02 there. In UTC the first two fall on two days.
        var rows = new CustomerRows(
            [
                Row("n1", "c1", "2024-01-02T03:30:00Z", 1m),
                Row("n2", "c1", "2024-01-02T05:30:00Z", 2m),
                Row("n3", "c1", "2024-01-01T15:00:00Z", 4m),
            ],
            [1, 1, 1]);

        Assert.Equal([("2024-01-01", 5m), ("2024-01-02", 2m)], RollupWriter.SumByDay(rows, NewYork).Select(d => (Iso(d.Date), d.Gross)));
        Assert.Equal([("2024-01-01", 4m), ("2024-01-02", 3m)], RollupWriter.SumByDay(rows, TimeZoneInfo.Utc).Select(d => (Iso(d.Date), d.Gross)));
    }

    private static TransactionRow Row(string id, string customer, string at, decimal amount, TransactionType type = TransactionType.Purchase, decimal? cost = null) =>
        new(id, customer, DateTimeOffset.Parse(at, System.Globalization.CultureInfo.InvariantCulture), type, amount, "USD", cost);

    private static (long, string, int, int, decimal, decimal, decimal, int, string?, string?) Describe(RollupWriter.Day day) =>
        (day.CustomerId, Iso(day.Date), day.Purchases, day.Refunds, day.Gross, day.RefundAmount, day.Cost, day.CostCount, Instant(day.FirstPurchaseAt), Instant(day.LastPurchaseAt));

    private static string Iso(DateOnly date) => date.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

    private static string? Instant(DateTimeOffset? at) => at?.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture);
}
