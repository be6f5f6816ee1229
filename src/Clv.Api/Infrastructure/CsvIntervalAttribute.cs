namespace Clv.Api.Infrastructure;

/// <summary>
/// Marks an interval given in JSON as <c>[lo, hi]</c>: in CSV it is two columns, <c>{figure}_lo</c> and
/// <c>{figure}_hi</c>, so that a spreadsheet gets numbers rather than a JSON list in one cell.
/// </summary>
/// <param name="figure">The figure the interval is of, as its column is named (default: the property's JSON name).</param>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class CsvIntervalAttribute(string? figure = null) : Attribute
{
    /// <summary>The figure's column name; null for the property's own.</summary>
    public string? Figure { get; } = figure;
}
