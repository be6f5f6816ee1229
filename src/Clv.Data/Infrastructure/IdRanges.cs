namespace Clv.Data.Infrastructure;

/// <summary>
/// Ranges of customer ids for work split across connections: the span from the lowest id to the
/// highest cut into ranges of equal width. Ids are drawn from a sequence, so the ranges hold about
/// as many customers each.
/// </summary>
public static class IdRanges
{
    /// <summary>
    /// The lowest id of each range after the first, for <paramref name="parts"/> ranges of
    /// <paramref name="min"/>..<paramref name="max"/>: increasing, each range at least one id wide.
    /// The first range has no lower end and the last no upper end, so every id falls in one.
    /// </summary>
    public static long[] Bounds(long min, long max, int parts)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(parts, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(max, min);
        var span = (Int128)max - min + 1;
        return [.. Enumerable.Range(1, parts - 1).Select(k => (long)(min + Int128.Max(k, span * k / parts)))];
    }

    /// <summary>The range <paramref name="part"/> of <paramref name="bounds"/>: its lowest id and the next range's, null at the ends.</summary>
    public static (long? From, long? To) Range(IReadOnlyList<long> bounds, int part)
    {
        ArgumentNullException.ThrowIfNull(bounds);
        return (part == 0 ? null : bounds[part - 1], part == bounds.Count ? null : bounds[part]);
    }

    /// <summary>The SQL condition that <paramref name="column"/> lies in a range (TRUE for the whole span).</summary>
    public static string Condition(string column, (long? From, long? To) range) =>
        string.Join(" AND ", new[]
        {
            range.From is { } low ? $"{column} >= {low}::bigint" : null,
            range.To is { } high ? $"{column} < {high}::bigint" : null,
        }.OfType<string>().DefaultIfEmpty("TRUE"));
}
