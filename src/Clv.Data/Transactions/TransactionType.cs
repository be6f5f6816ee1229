namespace Clv.Data.Transactions;

/// <summary>What a transaction did to the customer's value.</summary>
public enum TransactionType
{
    /// <summary>A sale; its amount is zero or more.</summary>
    Purchase = 1,

    /// <summary>Money given back; its amount is positive and reduces net revenue.</summary>
    Refund = 2,
}
