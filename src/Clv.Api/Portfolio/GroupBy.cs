using Clv.Analytics.Cohorts;
using Clv.Data.Analytics.ReadModel;
using Microsoft.AspNetCore.Mvc;

namespace Clv.Api.Portfolio;

/// <summary>
/// The <c>by</c> of segments and time series, resolved in an answer's snapshot: the grouping as
/// SQL, and, where its values are free text, how many there are against
/// <c>Clv:Analytics:MaxGroups</c>.
/// </summary>
public sealed class GroupBy
{
    /// <summary>What <c>by</c> may name, for the answer to one that names nothing.</summary>
    public const string Choices = "acquisitionChannel, country, cohort, rfmSegment, clvTier, npsClass, plan, or attribute:{key} with a key of 1 to 128 characters.";

    private const string AttributePrefix = "attribute:";

    private GroupBy(string? by, int? values, int maxGroups)
    {
        By = by;
        Values = values;
        MaxGroups = maxGroups;
    }

    /// <summary>The grouping as asked; null for everyone in one group.</summary>
    public string? By { get; }

    /// <summary>
    /// Its distinct values in the whole portfolio (<c>unattributed</c> and <c>unknown</c> included,
    /// and channels with spend only) where they are free text; null where the grouping is bounded
    /// by definition.
    /// </summary>
    public int? Values { get; }

    /// <summary>The limit on <see cref="Values"/>.</summary>
    public int MaxGroups { get; }

    /// <summary>The free attribute's key when <paramref name="by"/> is <c>attribute:{key}</c>.</summary>
    public static string? AttributeKey(string? by) =>
        by is not null && by.StartsWith(AttributePrefix, StringComparison.Ordinal) ? by[AttributePrefix.Length..] : null;

    /// <summary>Whether <paramref name="by"/> names a grouping (see <see cref="Choices"/>).</summary>
    public static bool IsKnown(string by) =>
        AttributeKey(by) is { } key ? key.Length is > 0 and <= 128 : by is "acquisitionChannel" or "country" or "cohort" or "rfmSegment" or "clvTier" or GroupSpec.NpsClass or GroupSpec.Plan;

    /// <summary>
    /// Counts the values of <paramref name="by"/> where they are free text: channels, plans and attribute
    /// values. The other groupings are bounded by definition: ISO country codes, calendar periods
    /// from 1970 to a day ahead, the RFM segments, the tiers and the NPS classes.
    /// </summary>
    public static async Task<GroupBy> CountAsync(AnswerContext context, string? by, int maxGroups, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(context);
        int? values = AttributeKey(by) is { } key
            ? await PortfolioExtent.AttributeValueCountAsync(context.Connection, key, ct)
            : by == "acquisitionChannel" ? await PortfolioExtent.ChannelCountAsync(context.Connection, ct)
            : by == GroupSpec.Plan ? await PortfolioExtent.PlanCountAsync(context.Connection, ct) : null;
        return new GroupBy(by, values, maxGroups);
    }

    /// <summary>The grouping as SQL in the answer's snapshot (null <paramref name="by"/>: everyone in one group); RFM segments and tiers rank the snapshot first.</summary>
    public static async Task<GroupSpec> SpecAsync(AnswerContext context, string? by, CalendarPeriod period, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(context);
        return by switch
        {
            null => GroupSpec.All,
            "rfmSegment" or "clvTier" or GroupSpec.TiersAndRfm => new GroupSpec(by, period, await context.CurrentRankingsAsync(ct)),
            _ => new GroupSpec(by, period),
        };
    }

    /// <summary>The 400 answer when the grouping has more values than allowed; null when it may be answered.</summary>
    public ValidationProblemDetails? TooMany()
    {
        if (!(Values > MaxGroups))
        {
            return null;
        }

        var problem = new ValidationProblemDetails(new Dictionary<string, string[]>
        {
            ["by"] = [$"{By} has {Values} distinct values, more than the {MaxGroups} groups allowed (Clv:Analytics:MaxGroups). Group by something with fewer values."],
        })
        {
            Title = "Too many groups",
        };
        problem.Extensions["by"] = By;
        problem.Extensions["values"] = Values;
        problem.Extensions["maxGroups"] = MaxGroups;
        return problem;
    }
}
