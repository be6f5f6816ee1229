using System.Text.Json;
using Clv.Analytics.Portfolio;

namespace Clv.Api.Portfolio;

/// <summary>How current an analytics answer is: its <c>dataThrough</c> field and <c>Clv-Data-Through</c> header.</summary>
internal static class Freshness
{
    /// <summary>The response header carrying <c>dataThrough</c>, for CSV answers, which have no field for it.</summary>
    public const string Header = "Clv-Data-Through";

    /// <summary>
    /// The time up to which an answer computed from <paramref name="states"/> holds every
    /// acknowledged write, also set as the header of <paramref name="response"/>.
    /// </summary>
    public static DateTimeOffset DataThrough(this PortfolioCache cache, CustomerStates states, HttpResponse response)
    {
        var through = cache.DataThrough(states.Facts);
        // The same text as the JSON field.
        response.Headers[Header] = JsonSerializer.Serialize(through)[1..^1];
        return through;
    }
}
