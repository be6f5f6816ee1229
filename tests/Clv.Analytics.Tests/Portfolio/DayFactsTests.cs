using Clv.Analytics.Historical;
using Clv.Analytics.Portfolio;

namespace Clv.Analytics.Tests.Portfolio;

/// <summary>A customer's days from their transactions, as the database's day rollup defines them.</summary>
public sealed class DayFactsTests
{
    private static readonly TimeZoneInfo NewYork = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");

    private static TransactionRecord Purchase(string at, decimal amount, decimal? cost = null) =>
        new(DateTimeOffset.Parse(at, System.Globalization.CultureInfo.InvariantCulture), TransactionKind.Purchase, amount, cost);

    private static TransactionRecord Refund(string at, decimal amount, decimal? cost = null) =>
        new(DateTimeOffset.Parse(at, System.Globalization.CultureInfo.InvariantCulture), TransactionKind.Refund, amount, cost);

    [Fact]
    public void Days_follow_the_time_zone_and_net_refunds_and_costs()
    {
        // New York is UTC-5 in January.
        // 2024-01-10T23:30Z and 2024-01-11T03:00Z are both 2024-01-10 there: 2 purchases, 30 + 20 = 50
        //   gross, a cost of 12 on the first only, and a refund of 5 (cost 2) at 2024-01-11T04:00Z,
        //   still the 10th: net 45, known cost 12 − 2 = 10.
        // 2024-01-11T05:30Z is 00:30 on the 11th: a refund only, 8: no purchase, gross 0, net −8, no cost.
        List<TransactionRecord> transactions =
        [
            Refund("2024-01-11T05:30:00Z", 8m),
            Purchase("2024-01-11T03:00:00Z", 20m),
            Purchase("2024-01-10T23:30:00Z", 30m, cost: 12m),
            Refund("2024-01-11T04:00:00Z", 5m, cost: 2m),
        ];

        var days = DayFacts.FromTransactions(7, transactions, NewYork);

        Assert.Equal(
            [
                new DayFact(7, new DateOnly(2024, 1, 10), 2, 50m, 45m, 10m, true),
                new DayFact(7, new DateOnly(2024, 1, 11), 0, 0m, -8m, 0m, false),
            ],
            days);
    }
}
