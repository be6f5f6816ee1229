using System.Diagnostics;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing.Template;
using Microsoft.AspNetCore.WebUtilities;

namespace Clv.Api.Errors;

/// <summary>
/// Fills in what a problem leaves out, so that every problem+json the API answers reads alike:
/// RFC 9457's <c>type</c>, <c>title</c>, <c>status</c>, <c>detail</c> and <c>instance</c>, and the
/// <c>traceId</c> that finds the request in the logs. What a problem already says is kept.
/// </summary>
internal static class ProblemFields
{
    // RFC 9110's sections for the statuses that have one; RFC 9457 says about:blank otherwise.
    private static readonly Dictionary<int, string> Sections = new()
    {
        [400] = "15.5.1", [401] = "15.5.2", [403] = "15.5.4", [404] = "15.5.5", [405] = "15.5.6", [406] = "15.5.7",
        [408] = "15.5.9", [409] = "15.5.10", [412] = "15.5.13", [413] = "15.5.14", [415] = "15.5.16", [422] = "15.5.21",
        [500] = "15.6.1", [503] = "15.6.4",
    };

    private const string Rfc9110 = "https://www.rfc-editor.org/rfc/rfc9110#";
    private const string IetfRfc9110 = "https://tools.ietf.org/html/rfc9110#";

    /// <summary>Completes <paramref name="problem"/> for the response of <paramref name="context"/>.</summary>
    public static void Complete(ProblemDetails problem, HttpContext context)
    {
        var status = problem.Status ??= context.Response.StatusCode;
        // ASP.NET Core's own problems (model binding's 400s) name RFC 9110 at tools.ietf.org: one
        // address for each status, the RFC Editor's, so that clients can compare types.
        if (problem.Type?.StartsWith(IetfRfc9110, StringComparison.Ordinal) == true)
        {
            problem.Type = Rfc9110 + problem.Type[IetfRfc9110.Length..];
        }

        problem.Type ??= Sections.TryGetValue(status, out var section) ? $"{Rfc9110}section-{section}" : "about:blank";
        problem.Title ??= ReasonPhrases.GetReasonPhrase(status);
        problem.Detail ??= DetailOf(problem, status, context);
        problem.Instance ??= context.Request.Path;
        problem.Extensions.TryAdd("traceId", Activity.Current?.Id ?? context.TraceIdentifier);
    }

    private static string DetailOf(ProblemDetails problem, int status, HttpContext context) => problem switch
    {
        HttpValidationProblemDetails { Errors.Count: > 0 } invalid => Summary(invalid.Errors),
        ValidationProblemDetails { Errors.Count: > 0 } invalid => Summary(invalid.Errors),
        _ => status switch
        {
            StatusCodes.Status401Unauthorized => "Send a valid API key in the X-Api-Key header.",
            StatusCodes.Status403Forbidden => "The API key does not have the scope this operation needs.",
            StatusCodes.Status404NotFound => $"Nothing is found at {context.Request.Path}.",
            StatusCodes.Status405MethodNotAllowed => $"{context.Request.Method} is not allowed on {context.Request.Path}.",
            StatusCodes.Status406NotAcceptable => $"This endpoint cannot answer in {context.Request.Headers.Accept}: ask for {Produced(context)}.",
            StatusCodes.Status415UnsupportedMediaType => $"Send the body as {Accepted(context)}.",
            _ => problem.Title ?? ReasonPhrases.GetReasonPhrase(status),
        },
    };

    // "field: message" for the first errors, so that the detail alone says what to fix.
    private static string Summary(IDictionary<string, string[]> errors)
    {
        const int Shown = 3;
        var shown = errors.Take(Shown).Select(e => $"{(e.Key.Length == 0 ? "body" : e.Key)}: {string.Join(" ", e.Value)}");
        var more = errors.Count > Shown ? $" ({errors.Count - Shown} more in errors)" : string.Empty;
        return string.Join(" ", shown) + more;
    }

    private static string Accepted(HttpContext context)
    {
        var types = context.GetEndpoint()?.Metadata.GetMetadata<IAcceptsMetadata>()?.ContentTypes ?? AcceptedByRoute(context);
        return types is { Count: > 0 } ? string.Join(" or ", types) : "application/json";
    }

    // When no operation accepts the request's media type, routing answers through an endpoint of its own that
    // knows none: the types are those of the operations at the request's path and method (text/csv for an import).
    private static List<string> AcceptedByRoute(HttpContext context)
    {
        var method = context.Request.Method;
        return context.RequestServices.GetRequiredService<EndpointDataSource>().Endpoints
            .OfType<RouteEndpoint>()
            .Where(e => e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods.Contains(method, StringComparer.OrdinalIgnoreCase) == true
                && new TemplateMatcher(new RouteTemplate(e.RoutePattern), []).TryMatch(context.Request.Path, []))
            .SelectMany(e => e.Metadata.GetMetadata<IAcceptsMetadata>()?.ContentTypes ?? [])
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .ToList();
    }

    private static string Produced(HttpContext context)
    {
        var types = context.GetEndpoint()?.Metadata.GetOrderedMetadata<IProducesResponseTypeMetadata>()
            .Where(p => p.StatusCode is >= 200 and < 300)
            .SelectMany(p => p.ContentTypes)
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .ToList();
        return types is { Count: > 0 } ? string.Join(" or ", types) : "application/json";
    }
}
