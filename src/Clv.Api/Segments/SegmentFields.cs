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

    // The figures whose part of the computation only they need (SegmentParts), named by their properties.
    private static readonly Dictionary<string, SegmentParts> PartOf = new(StringComparer.Ordinal)
    {
        [Json(nameof(SegmentResponse.ActiveCustomers))] = SegmentParts.Activity,
        [Json(nameof(SegmentResponse.RetentionRate))] = SegmentParts.Activity,
        [Json(nameof(SegmentResponse.ChurnRate))] = SegmentParts.Activity,
        [Json(nameof(SegmentResponse.PeriodChurnRate))] = SegmentParts.Activity,
        [Json(nameof(SegmentResponse.MedianHistoricalClv))] = SegmentParts.Middles,
        [Json(nameof(SegmentResponse.ArpuMonthly))] = SegmentParts.Formula,
        [Json(nameof(SegmentResponse.MonthlyChurnRate))] = SegmentParts.Formula,
        [Json(nameof(SegmentResponse.FormulaClv))] = SegmentParts.Formula,
        [Json(nameof(SegmentResponse.RepeatCustomers))] = SegmentParts.Lifecycle,
        [Json(nameof(SegmentResponse.RepeatPurchaseRate))] = SegmentParts.Lifecycle,
        [Json(nameof(SegmentResponse.NewCustomers))] = SegmentParts.Lifecycle,
        [Json(nameof(SegmentResponse.ChurnedCustomers))] = SegmentParts.Lifecycle,
        [Json(nameof(SegmentResponse.ModelChurnedCustomers))] = SegmentParts.Lifecycle,
        [Json(nameof(SegmentResponse.Cac))] = SegmentParts.Lifecycle,
        [Json(nameof(SegmentResponse.ClvToCac))] = SegmentParts.Lifecycle,
        [Json(nameof(SegmentResponse.PredictedClvToCac))] = SegmentParts.Lifecycle,
        [Json(nameof(SegmentResponse.PaybackMonths))] = SegmentParts.Lifecycle,
    };

    private static readonly string[] SubscriptionFigures =
    [
        Json(nameof(SegmentResponse.Mrr)), Json(nameof(SegmentResponse.ActiveSubscriptions)), Json(nameof(SegmentResponse.NewSubscriptions)),
        Json(nameof(SegmentResponse.CancelledSubscriptions)), Json(nameof(SegmentResponse.SubscriptionChurnRate)),
    ];

    // The figures' JSON names: SegmentResponse's public properties but the two every answer has.
    private static readonly string[] Figures = [.. typeof(SegmentResponse)
        .GetProperties(BindingFlags.Public | BindingFlags.Instance)
        .Select(p => Json(p.Name))
        .Where(name => name is not ("key" or "health"))];

    private readonly HashSet<string>? _shown;

    private SegmentFields(HashSet<string>? shown)
    {
        _shown = shown;
        Parts = shown is null ? SegmentParts.All : shown.Aggregate(SegmentParts.None, (parts, name) => parts | PartOf.GetValueOrDefault(name));
    }

    /// <summary>Every figure.</summary>
    public static SegmentFields All { get; } = new(null);

    /// <summary>The parts of the segments' computation the figures shown need.</summary>
    public SegmentParts Parts { get; }

    /// <summary>Whether a subscription figure is shown.</summary>
    public bool HasSubscriptions => SubscriptionFigures.Any(Shows);

    /// <summary>Whether the residual value is shown.</summary>
    public bool HasResidualValue => Shows(Json(nameof(SegmentResponse.ResidualValue)));

    /// <summary>Whether the interval of predicted customer equity is shown.</summary>
    public bool HasIntervals => Shows(Json(nameof(SegmentResponse.PredictedCustomerEquityInterval)));

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

    // A property's JSON name (camelCase, as the API writes it).
    private static string Json(string property) => char.ToLowerInvariant(property[0]) + property[1..];

    private static string Truncate(string name) => name.Length <= 40 ? name : name[..40] + "…";
}
