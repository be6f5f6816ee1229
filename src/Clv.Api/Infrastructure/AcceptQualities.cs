using System.Globalization;
using Microsoft.Net.Http.Headers;

namespace Clv.Api.Infrastructure;

/// <summary>
/// Reads an API request's <c>Accept</c> as RFC 9110 (section 12.5.1) does for the two media types the API answers
/// in, JSON and CSV: each takes the quality of the most specific range that matches it, and a quality of 0 means
/// "not acceptable". MVC's negotiation ranks ranges by quality but still serves one of quality 0, so
/// <c>application/json;q=0</c> and <c>*/*;q=0</c> got JSON. A request that accepts neither is answered 406 here;
/// otherwise its <c>Accept</c> is replaced by the types it accepts with their qualities, for MVC and
/// <see cref="CsvColumns.Wanted"/> to choose from.
/// </summary>
internal static class AcceptQualities
{
    private const string Json = "application/json";

    public static void UseClvAcceptQualities(this WebApplication app) => app.Use((context, next) =>
    {
        var accept = context.Request.Headers.Accept;
        if (accept.Count == 0 || context.GetEndpoint() is null || !context.Request.Path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase)
            || !MediaTypeHeaderValue.TryParseList(accept, out var ranges) || ranges.Count == 0)
        {
            return next(context);
        }

        var (json, _) = Match(ranges, "application", "json");
        var (csv, csvSpecificity) = Match(ranges, "text", "csv");
        if (json == 0 && csv == 0)
        {
            // Written as a problem by the status code pages, which name what the endpoint produces.
            context.Response.StatusCode = StatusCodes.Status406NotAcceptable;
            return Task.CompletedTask;
        }

        // CSV is asked for by text/csv or text/*: a quality it has from */* alone that JSON equals or beats leaves
        // JSON the answer, as "*/* means JSON" (docs/api.md). Left in, curl's default Accept: */* got CSV, since
        // CsvColumns.Wanted serves CSV when its quality is at least JSON's.
        if (csvSpecificity == 1 && json >= csv)
        {
            csv = 0;
        }

        context.Request.Headers.Accept = string.Join(", ", new[] { (Json, json), (CsvResult<object>.ContentType, csv) }
            .Where(t => t.Item2 > 0)
            .Select(t => t.Item2 == 1 ? t.Item1 : $"{t.Item1};q={t.Item2.ToString("0.###", CultureInfo.InvariantCulture)}"));
        return next(context);
    });

    // The quality of type/subtype: that of the most specific matching range, the highest among equals (0 when none
    // matches), with that range's specificity (3 exact, 2 type/*, 1 */*, 0 none).
    private static (double Quality, int Specificity) Match(IEnumerable<MediaTypeHeaderValue> ranges, string type, string subtype)
    {
        var (specificity, quality) = (0, 0.0);
        foreach (var range in ranges)
        {
            var match = range.Type.Equals(type, StringComparison.OrdinalIgnoreCase)
                ? (range.SubType.Equals(subtype, StringComparison.OrdinalIgnoreCase) ? 3 : range.SubType.Equals("*", StringComparison.Ordinal) ? 2 : 0)
                : range.MediaType.Equals("*/*", StringComparison.Ordinal) ? 1 : 0;
            var q = range.Quality ?? 1;
            if (match > specificity || (match == specificity && match > 0 && q > quality))
            {
                (specificity, quality) = (match, q);
            }
        }

        return (quality, specificity);
    }
}
