namespace Clv.Api.Portfolio;

/// <summary>
/// The gross margin of the formula CLV (docs/metrics.md, "Formula CLV"): the <c>grossMargin</c>
/// query parameter of the summary and the segments, else <c>Clv:GrossMargin</c>.
/// </summary>
public static class GrossMarginParameter
{
    /// <summary>The parameter's name.</summary>
    public const string Name = "grossMargin";

    /// <summary>Checks the parameter, adding an error when it lies outside (0, 1]; the margin to use.</summary>
    /// <param name="errors">The request's errors by parameter.</param>
    /// <param name="requested">The parameter; null when absent.</param>
    /// <param name="configured">The setting <c>Clv:GrossMargin</c>.</param>
    public static decimal Check(Dictionary<string, string[]> errors, decimal? requested, decimal configured)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (requested is { } margin && (margin <= 0 || margin > 1))
        {
            errors[Name] = ["Above 0 and at most 1."];
        }

        return requested ?? configured;
    }
}
