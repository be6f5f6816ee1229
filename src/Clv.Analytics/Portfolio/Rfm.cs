namespace Clv.Analytics.Portfolio;

/// <summary>
/// RFM scoring: recency, frequency and monetary value scored 1..5 by quintile, and the named
/// segments of the R × FM grid (docs/metrics.md has the table).
/// </summary>
public static class Rfm
{
    /// <summary>The segment of customers without a purchase, who have no RFM scores.</summary>
    public const string NoPurchases = "No purchases";

    /// <summary>The named segments, in the order of their index.</summary>
    public static IReadOnlyList<string> Segments { get; } =
    [
        "Champions", "Loyal", "Potential loyalist", "New", "Promising", "Need attention",
        "About to sleep", "At risk", "Can't lose them", "Hibernating", "Lost",
    ];

    // Rows: R = 5 .. 1; columns: FM = 1 .. 5. Entries index Segments.
    private static readonly byte[,] Grid =
    {
        { 3, 2, 2, 0, 0 }, // R 5: New, Potential loyalist ×2, Champions ×2
        { 4, 2, 1, 0, 0 }, // R 4: Promising, Potential loyalist, Loyal, Champions ×2
        { 6, 5, 5, 1, 1 }, // R 3: About to sleep, Need attention ×2, Loyal ×2
        { 9, 6, 7, 7, 8 }, // R 2: Hibernating, About to sleep, At risk ×2, Can't lose them
        { 10, 9, 7, 8, 8 }, // R 1: Lost, Hibernating, At risk, Can't lose them ×2
    };

    /// <summary>The combined frequency-monetary score: the mean of F and M, halves rounded up.</summary>
    public static int FrequencyMonetary(int frequency, int monetary) => (frequency + monetary + 1) / 2;

    /// <summary>The index in <see cref="Segments"/> of scores (R, F, M), each 1..5.</summary>
    public static int Segment(int recency, int frequency, int monetary)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(recency, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(recency, 5);
        return Grid[5 - recency, FrequencyMonetary(frequency, monetary) - 1];
    }

    /// <summary>
    /// The quintile score of a value among <paramref name="sorted"/> (ascending) that holds it,
    /// where higher is better: 1 + ⌊5 · (values strictly below it) / n⌋. Ties share a score. With
    /// <paramref name="replaced"/>, the value stands in for that value of the set (its own, when
    /// the value is a member), which then no longer counts; with null, the value joins the set
    /// (n + 1 values).
    /// </summary>
    public static int ScoreHigherIsBetter<T>(T[] sorted, T value, T? replaced)
        where T : struct, IComparable<T>
    {
        ArgumentNullException.ThrowIfNull(sorted);
        var below = LowerBound(sorted, value) - (replaced is { } old && old.CompareTo(value) < 0 ? 1 : 0);
        return Quintile(below, sorted.Length + (replaced is null ? 1 : 0));
    }

    /// <summary>
    /// The quintile score of a value where lower is better (recency in days): 1 + ⌊5 · (values
    /// strictly above it) / n⌋, otherwise as <see cref="ScoreHigherIsBetter"/>.
    /// </summary>
    public static int ScoreLowerIsBetter<T>(T[] sorted, T value, T? replaced)
        where T : struct, IComparable<T>
    {
        ArgumentNullException.ThrowIfNull(sorted);
        var above = sorted.Length - UpperBound(sorted, value) - (replaced is { } old && old.CompareTo(value) > 0 ? 1 : 0);
        return Quintile(above, sorted.Length + (replaced is null ? 1 : 0));
    }

    private static int Quintile(int outranked, int count) => 1 + (int)(5L * outranked / count);

    private static int LowerBound<T>(T[] sorted, T value)
        where T : IComparable<T>
    {
        int lo = 0, hi = sorted.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (sorted[mid].CompareTo(value) < 0)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }

    private static int UpperBound<T>(T[] sorted, T value)
        where T : IComparable<T>
    {
        int lo = 0, hi = sorted.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (sorted[mid].CompareTo(value) <= 0)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }
}

