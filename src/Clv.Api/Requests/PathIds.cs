using Microsoft.AspNetCore.Http.Features;

namespace Clv.Api.Requests;

/// <summary>
/// An id in the last segment of a request's path, as the client sent it. Kestrel decodes every
/// escape in the path but <c>%2F</c>, so that an encoded slash does not split the path; the route
/// value of <c>/customers/a%2Fb</c> is then <c>a%2Fb</c>, which is also what a customer whose id
/// really is <c>a%2Fb</c> (sent as <c>a%252Fb</c>) gets. Decoding the segment of the request's raw
/// target once tells the two apart: a customer <c>a/b</c> is reached at <c>/customers/a%2Fb</c>,
/// and <c>a%2Fb</c> at <c>/customers/a%252Fb</c>.
/// </summary>
internal static class PathIds
{
    /// <summary>
    /// The id that <paramref name="routeValue"/>, the route's value of the path's last segment, stands
    /// for: itself unless it holds <c>%2F</c>, the one escape Kestrel leaves, and then the last segment
    /// of the raw request target percent-decoded once.
    /// </summary>
    public static string LastSegment(HttpContext context, string routeValue)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(routeValue);
        var raw = context.Features.Get<IHttpRequestFeature>()?.RawTarget;
        if (!routeValue.Contains("%2F", StringComparison.OrdinalIgnoreCase) || string.IsNullOrEmpty(raw))
        {
            return routeValue;
        }

        var end = raw.IndexOfAny(['?', '#']);
        var path = end < 0 ? raw : raw[..end];
        var segment = Uri.UnescapeDataString(path[(path.LastIndexOf('/') + 1)..]);
        return segment.Length > 0 ? segment : routeValue;
    }
}
