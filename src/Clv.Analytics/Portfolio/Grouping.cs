using Clv.Analytics.Cohorts;

namespace Clv.Analytics.Portfolio;

/// <summary>A partition of the customers into named groups: <c>GroupOf[i]</c> indexes <c>Names</c>.</summary>
/// <param name="By">What the groups are by, as the API names it.</param>
/// <param name="Names">The group keys.</param>
/// <param name="GroupOf">Per customer: the group index.</param>
public sealed record Grouping(string By, IReadOnlyList<string> Names, int[] GroupOf)
{
    /// <summary>The key of customers without a value.</summary>
    public const string Unknown = "unknown";

    /// <summary>Everyone in one group, <c>all</c>.</summary>
    public static Grouping All(PortfolioFacts facts)
    {
        ArgumentNullException.ThrowIfNull(facts);
        return new("all", ["all"], new int[facts.Count]);
    }

    /// <summary>By acquisition channel; customers without one are <c>unattributed</c>.</summary>
    public static Grouping ByChannel(PortfolioFacts facts)
    {
        ArgumentNullException.ThrowIfNull(facts);
        return new("acquisitionChannel", facts.Channels, facts.Channel);
    }

    /// <summary>By country; customers without one are <c>unknown</c>.</summary>
    public static Grouping ByCountry(PortfolioFacts facts)
    {
        ArgumentNullException.ThrowIfNull(facts);
        return new("country", facts.Countries, facts.Country);
    }

    /// <summary>By acquisition cohort (<c>1997-01</c>, <c>1997-Q1</c>, <c>1997</c>).</summary>
    public static Grouping ByCohort(PortfolioFacts facts, CalendarPeriod period)
    {
        ArgumentNullException.ThrowIfNull(facts);
        if (facts.FirstDay is not { } first)
        {
            // No acquisition and no transaction anywhere: every customer's cohort is unknown.
            return new("cohort", [Unknown], new int[facts.Count]);
        }

        // One label per period, looked up by table rather than formatted per customer.
        var last = Math.Max(first.DayNumber, facts.AcquiredDay.Max());
        var periods = new PeriodIndex(first, DateOnly.FromDayNumber(last), period);
        var labels = Enumerable.Range(0, periods.Count).Select(k => CalendarPeriods.Label(DateOnly.FromDayNumber(periods.Starts[k]), period)).ToArray();
        var names = labels.Append(Unknown).ToArray();
        return new("cohort", names, Array.ConvertAll(facts.AcquiredDay, day => day == PortfolioFacts.NoDay ? labels.Length : periods.Of(day)));
    }

    /// <summary>By RFM segment; customers without a purchase are <see cref="Rfm.NoPurchases"/>.</summary>
    public static Grouping ByRfmSegment(CustomerStates states)
    {
        ArgumentNullException.ThrowIfNull(states);
        var names = Rfm.Segments.Append(Rfm.NoPurchases).ToArray();
        return new("rfmSegment", names, Array.ConvertAll(states.RfmSegment, s => s < 0 ? names.Length - 1 : s));
    }

    /// <summary>By CLV tier.</summary>
    public static Grouping ByClvTier(CustomerStates states)
    {
        ArgumentNullException.ThrowIfNull(states);
        var names = CustomerStates.Tiers.Append(Unknown).ToArray();
        return new("clvTier", names, Array.ConvertAll(states.Tier, t => t < 0 ? names.Length - 1 : t));
    }

    /// <summary>By a free attribute's value; customers without it are <c>unknown</c>.</summary>
    public static Grouping ByAttribute(string key, IReadOnlyList<string?> values) =>
        FromValues("attribute:" + key, values, v => v);

    private static Grouping FromValues<T>(string by, IReadOnlyList<T> values, Func<T, string?> name)
    {
        var names = new List<string>();
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        var groupOf = new int[values.Count];
        for (var i = 0; i < values.Count; i++)
        {
            var key = name(values[i]) ?? Unknown;
            if (!index.TryGetValue(key, out var g))
            {
                index[key] = g = names.Count;
                names.Add(key);
            }

            groupOf[i] = g;
        }

        return new(by, names, groupOf);
    }
}
