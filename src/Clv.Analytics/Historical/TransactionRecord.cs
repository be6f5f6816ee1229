namespace Clv.Analytics.Historical;

/// <summary>Whether a transaction added to or took back from a customer's revenue.</summary>
public enum TransactionKind
{
    /// <summary>A sale of zero or more.</summary>
    Purchase,

    /// <summary>A positive amount given back to the customer.</summary>
    Refund,
}

/// <summary>One transaction, in the reporting currency, as the calculations see it.</summary>
/// <param name="OccurredAt">When it happened.</param>
/// <param name="Kind">Purchase or refund.</param>
/// <param name="Amount">The amount, never negative; a refund's amount is subtracted.</param>
/// <param name="Cost">Cost of goods when known: a purchase's cost is spent, a refund's is recovered.</param>
public readonly record struct TransactionRecord(DateTimeOffset OccurredAt, TransactionKind Kind, decimal Amount, decimal? Cost = null);
