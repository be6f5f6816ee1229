namespace Clv.Data.Ingestion;

/// <summary>
/// Rows with the ids of their customers: <c>Customers[i]</c> is <c>Rows[i]</c>'s. A write looks
/// each row's customer up once, when its customers are known, and every later step reads the ids
/// from here.
/// </summary>
internal sealed class CustomerRows(TransactionRow[] rows, long[] customers)
{
    public TransactionRow[] Rows { get; } = rows;

    public long[] Customers { get; } = customers;

    public int Count => Rows.Length;

    /// <summary>The rows with their customers' ids from <paramref name="ids"/>, in the rows' order.</summary>
    public static CustomerRows Of(IReadOnlyList<TransactionRow> rows, IReadOnlyDictionary<string, long> ids)
    {
        var array = new TransactionRow[rows.Count];
        var customers = new long[rows.Count];
        for (var i = 0; i < array.Length; i++)
        {
            array[i] = rows[i];
            customers[i] = ids[rows[i].CustomerExternalId];
        }

        return new CustomerRows(array, customers);
    }

    /// <summary>The rows that <paramref name="keep"/> keeps, in order.</summary>
    public CustomerRows Where(Func<TransactionRow, long, bool> keep)
    {
        var kept = 0;
        var rows = new TransactionRow[Count];
        var customers = new long[Count];
        for (var i = 0; i < Count; i++)
        {
            if (keep(Rows[i], Customers[i]))
            {
                (rows[kept], customers[kept]) = (Rows[i], Customers[i]);
                kept++;
            }
        }

        return kept == Count ? this : new CustomerRows(rows[..kept], customers[..kept]);
    }

    /// <summary>A copy in customer order (rows of one customer in no particular order).</summary>
    public CustomerRows ByCustomer()
    {
        var (rows, customers) = ((TransactionRow[])Rows.Clone(), (long[])Customers.Clone());
        Array.Sort(customers, rows);
        return new CustomerRows(rows, customers);
    }
}
