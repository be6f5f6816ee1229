using Clv.Api.Requests;

namespace Clv.Api.Portfolio;

/// <summary>
/// The parameters a grouped analytics read shares (segments, feedback summary, comparisons):
/// <c>by</c>, <c>asOf</c> and the range [<c>from</c>, <c>to</c>], <c>to</c> defaulting to the as-of day.
/// </summary>
/// <param name="By">The grouping.</param>
/// <param name="AsOf">The as-of day asked; null for now.</param>
/// <param name="Day">The as-of day: <see cref="AsOf"/> or today.</param>
/// <param name="From">The first day of the range; null for all time.</param>
/// <param name="To">The last day of the range.</param>
public sealed record GroupedQuery(string By, DateOnly? AsOf, DateOnly Day, DateOnly? From, DateOnly To)
{
    /// <summary>Checks the parameters, adding an error per bad one; the query when all are good.</summary>
    public static GroupedQuery? Check(Dictionary<string, string[]> errors, string by, DateOnly? asOf, DateOnly? from, DateOnly? to, DateOnly today)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (!GroupBy.IsKnown(by))
        {
            errors["by"] = [GroupBy.Choices];
        }

        QueryDates.Check(errors, "asOf", asOf, QueryDates.Latest);
        QueryDates.Check(errors, "from", from, QueryDates.Latest);
        QueryDates.Check(errors, "to", to, QueryDates.Latest);
        var day = asOf ?? today;
        var last = to ?? day;
        if (from > last)
        {
            errors["from"] = ["from must not be after to."];
        }

        return errors.Count == 0 ? new GroupedQuery(by, asOf, day, from, last) : null;
    }
}
