using System.Globalization;

namespace Clv.Api.Tests.Observability;

/// <summary>Reads samples out of a Prometheus text exposition, as a scraper would.</summary>
internal static class PrometheusText
{
    /// <summary>
    /// The sum of the samples named <paramref name="name"/> whose labels include every one of
    /// <paramref name="labels"/> (as <c>key="value"</c>); null when there is no such sample.
    /// </summary>
    public static double? Sum(string exposition, string name, params string[] labels)
    {
        double? sum = null;
        foreach (var line in exposition.Split('\n'))
        {
            if (line.StartsWith('#') || !line.StartsWith(name, StringComparison.Ordinal) || line.Length == name.Length || line[name.Length] is not ('{' or ' '))
            {
                continue;
            }

            // Label values may hold braces (a route template's "{id}"), the value never does.
            var labelEnd = line[name.Length] == '{' ? line.LastIndexOf('}') : name.Length - 1;
            var labelText = line[name.Length..(labelEnd + 1)];
            if (!labels.All(l => labelText.Contains(l, StringComparison.Ordinal)))
            {
                continue;
            }

            var value = line[(labelEnd + 1)..].Trim().Split(' ')[0];
            sum = (sum ?? 0) + double.Parse(value, NumberStyles.Float, CultureInfo.InvariantCulture);
        }

        return sum;
    }
}
