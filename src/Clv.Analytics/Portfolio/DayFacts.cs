using Clv.Analytics.Historical;

namespace Clv.Analytics.Portfolio;

/// <summary>A customer's days computed from their transactions, as the day rollup holds them.</summary>
public static class DayFacts
{
    /// <summary>
    /// One fact per calendar day of <paramref name="timeZone"/> with a transaction, by day:
    /// purchases counted, purchase amounts summed, refunds taken off the net, and the known cost
    /// of purchases less that of refunds over the transactions that carry one.
    /// </summary>
    /// <param name="customerId">The customer the transactions belong to.</param>
    /// <param name="transactions">The customer's transactions, in any order.</param>
    /// <param name="timeZone">The reporting time zone.</param>
    public static List<DayFact> FromTransactions(long customerId, IEnumerable<TransactionRecord> transactions, TimeZoneInfo timeZone)
    {
        ArgumentNullException.ThrowIfNull(transactions);
        ArgumentNullException.ThrowIfNull(timeZone);
        return transactions
            .GroupBy(t => HistoricalClvCalculator.LocalDate(t.OccurredAt, timeZone))
            .OrderBy(day => day.Key)
            .Select(day =>
            {
                var gross = day.Where(t => t.Kind == TransactionKind.Purchase).Sum(t => t.Amount);
                var refunds = day.Where(t => t.Kind == TransactionKind.Refund).Sum(t => t.Amount);
                var cost = day.Sum(t => t.Cost is { } c ? (t.Kind == TransactionKind.Purchase ? c : -c) : 0m);
                return new DayFact(
                    customerId, day.Key, day.Count(t => t.Kind == TransactionKind.Purchase), gross, gross - refunds, cost, day.Any(t => t.Cost is not null));
            })
            .ToList();
    }
}
