namespace Clv.Analytics.Historical;

/// <summary>Computes a customer's historical CLV figures from their transactions.</summary>
public static class HistoricalClvCalculator
{
    /// <summary>Money figures derived by division keep the scale of stored amounts.</summary>
    public const int MoneyDecimals = 4;

    /// <summary>
    /// Computes the figures over the transactions that occurred before <paramref name="cutoff"/>
    /// (all of them when it is null), with tenure and recency counted in calendar days of
    /// <paramref name="timeZone"/> up to <paramref name="asOf"/>.
    /// </summary>
    /// <param name="transactions">The customer's transactions, in any order.</param>
    /// <param name="acquiredAt">When the customer was acquired, if known.</param>
    /// <param name="asOf">The moment tenure and recency are measured to.</param>
    /// <param name="cutoff">Exclusive upper bound on <c>OccurredAt</c>; null to take every transaction.</param>
    /// <param name="timeZone">The reporting time zone, whose calendar days are purchase days.</param>
    public static HistoricalMetrics Compute(
        IEnumerable<TransactionRecord> transactions,
        DateTimeOffset? acquiredAt,
        DateTimeOffset asOf,
        DateTimeOffset? cutoff,
        TimeZoneInfo timeZone)
    {
        ArgumentNullException.ThrowIfNull(transactions);
        ArgumentNullException.ThrowIfNull(timeZone);

        var purchaseCount = 0;
        var purchaseDays = new HashSet<DateOnly>();
        decimal gross = 0, refunds = 0, knownCost = 0;
        var costKnown = false;
        DateTimeOffset? first = null, last = null;

        foreach (var t in transactions)
        {
            if (cutoff is { } c && t.OccurredAt >= c)
            {
                continue;
            }

            if (t.Cost is { } cost)
            {
                costKnown = true;
                knownCost += t.Kind == TransactionKind.Purchase ? cost : -cost;
            }

            if (t.Kind == TransactionKind.Refund)
            {
                refunds += t.Amount;
                continue;
            }

            purchaseCount++;
            gross += t.Amount;
            purchaseDays.Add(LocalDate(t.OccurredAt, timeZone));
            first = first is null || t.OccurredAt < first ? t.OccurredAt : first;
            last = last is null || t.OccurredAt > last ? t.OccurredAt : last;
        }

        return new HistoricalTotals(purchaseCount, purchaseDays.Count, gross, refunds, costKnown ? knownCost : null, first, last)
            .ToMetrics(acquiredAt, asOf, timeZone);
    }

    /// <summary>The calendar date of an instant in the given time zone.</summary>
    public static DateOnly LocalDate(DateTimeOffset instant, TimeZoneInfo timeZone) =>
        DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(instant, timeZone).DateTime);

    /// <summary>The first instant after the end of <paramref name="date"/> in the given time zone, in UTC.</summary>
    public static DateTimeOffset EndOfDay(DateOnly date, TimeZoneInfo timeZone)
    {
        ArgumentNullException.ThrowIfNull(timeZone);
        var nextMidnight = date.AddDays(1).ToDateTime(TimeOnly.MinValue, DateTimeKind.Unspecified);
        return new DateTimeOffset(nextMidnight, timeZone.GetUtcOffset(nextMidnight)).ToUniversalTime();
    }

    /// <summary>Rounds a derived money figure to the stored scale, halves away from zero.</summary>
    public static decimal RoundMoney(decimal value) => Math.Round(value, MoneyDecimals, MidpointRounding.AwayFromZero);
}
