using System.Reflection;
using System.Text.Json.Nodes;
using Clv.Data.Analytics.ReadModel;

namespace Clv.Api.Segments;

/// <summary>
/// The figures a segments request shows (its <c>fields</c>: JSON names, comma-separated; every
/// figure without it), and the work they need. A dashboard widget that shows customers and equity
/// by CLV tier need not wait for the median, the last period's retention or the formula CLV, which
/// cost most where segments read every customer (<see cref="SegmentParts"/>). <c>key</c> and
/// <c>health</c> are always shown; the figures not asked are left out of the answer, JSON and CSV.
/// </summary>
internal sealed class SegmentFields
{
    /// <summary>The longest <c>fields</c> read: every name once, with room for spaces.</summary>
    public const int MaxLength = 1000;

    private const string Subscriptions = "subscriptions";
    private const string Residual = "residual";
    private const string Intervals = "intervals";

    // The figures that need more than each customer's totals, by what they need.
    private static readonly Dictionary<string, string> Needs = new(StringComparer.Ordinal)
    {
        ["activeCustomers"] = nameof(SegmentParts.Activity),
        ["retentionRate"] = nameof(SegmentParts.Activity),
        ["churnRate"] = nameof(SegmentParts.Activity),
        ["periodChurnRate"] = nameof(SegmentParts.Activity),
        ["medianHistoricalClv"] = nameof(SegmentParts.Middles),
        ["arpuMonthly"] = nameof(SegmentParts.Formula),
        ["monthlyChurnRate"] = nameof(SegmentParts.Formula),
        ["formulaClv"] = nameof(SegmentParts.Formula),
        ["mrr"] = Subscriptions,
        ["activeSubscriptions"] = Subscriptions,
        ["newSubscriptions"] = Subscriptions,
        ["cancelledSubscriptions"] = Subscriptions,
        ["subscriptionChurnRate"] = Subscriptions,
        ["residualValue"] = Residual,
        ["predictedCustomerEquityInterval"] = Intervals,
    };

    // The figures' JSON names: SegmentResponse's public properties but the two every answer has.
    private static readonly string[] Figures = [.. typeof(SegmentResponse)
        .GetProperties(BindingFlags.Public | BindingFlags.Instance)
        .Select(p => char.ToLowerInvariant(p.Name[0]) + p.Name[1..])
        .Where(name => name is not ("key" or "health"))];

    private readonly HashSet<string>? _shown;

    private SegmentFields(HashSet<string>? shown)
    {
        _shown = shown;
        Parts = (Needed(nameof(SegmentParts.Activity)) ? SegmentParts.Activity : SegmentParts.None)
            | (Needed(nameof(SegmentParts.Middles)) ? SegmentParts.Middles : SegmentParts.None)
            | (Needed(nameof(SegmentParts.Formula)) ? SegmentParts.Formula : SegmentParts.None);
        HasSubscriptions = Needed(Subscriptions);
        HasResidualValue = Needed(Residual);
        HasIntervals = Needed(Intervals);
    }

    /// <summary>Every figure.</summary>
    public static SegmentFields All { get; } = new(null);

    /// <summary>The parts of the segments' computation the figures shown need.</summary>
    public SegmentParts Parts { get; }

    /// <summary>Whether a subscription figure is shown.</summary>
    public bool HasSubscriptions { get; }

    /// <summary>Whether the residual value is shown.</summary>
    public bool HasResidualValue { get; }

    /// <summary>Whether the interval of predicted customer equity is shown.</summary>
    public bool HasIntervals { get; }

    /// <summary>What was computed, for the key of a kept answer: answers computed for fewer figures serve only those.</summary>
    public string CacheKey => _shown is null ? "all" : $"{(int)Parts}{(HasSubscriptions ? "s" : "")}{(HasResidualValue ? "r" : "")}{(HasIntervals ? "i" : "")}";

    /// <summary>Reads <c>fields</c>: every figure when absent; null, with an error, when a name is not a figure.</summary>
    public static SegmentFields? Parse(string? fields, IDictionary<string, string[]> errors)
    {
        if (fields is null)
        {
            return All;
        }

        var shown = new HashSet<string>(StringComparer.Ordinal);
        foreach (var name in fields.Split(',', StringSplitOptions.TrimEntries))
        {
            if (name is "key" or "health")
            {
                continue;
            }

            if (!Figures.Contains(name, StringComparer.Ordinal))
            {
                errors["fields"] = [$"'{Truncate(name)}' is not a segment figure. Name figures, comma-separated, from: {string.Join(", ", Figures)}."];
                return null;
            }

            shown.Add(name);
        }

        return new SegmentFields(shown);
    }

    /// <summary>Whether a figure (a JSON name; <c>key</c> and <c>health</c> always) is shown.</summary>
    public bool Shows(string name) => _shown is null || name is "key" or "health" || _shown.Contains(name);

    /// <summary>The answer as JSON, its segments with the figures shown only.</summary>
    public JsonObject Prune(JsonObject answer)
    {
        ArgumentNullException.ThrowIfNull(answer);
        foreach (var segment in answer["segments"]?.AsArray() ?? [])
        {
            if (segment is JsonObject figures)
            {
                foreach (var name in figures.Select(p => p.Key).Where(n => !Shows(n)).ToList())
                {
                    figures.Remove(name);
                }
            }
        }

        return answer;
    }

    private bool Needed(string need) =>
        _shown is null || _shown.Any(name => Needs.TryGetValue(name, out var needs) && needs == need);

    private static string Truncate(string name) => name.Length <= 40 ? name : name[..40] + "…";
}
