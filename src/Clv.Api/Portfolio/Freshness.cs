using System.Text.Json;
using Clv.Api.Observability;

namespace Clv.Api.Portfolio;

/// <summary>How current an analytics answer is: its <c>dataThrough</c> field and <c>Clv-Data-Through</c> header.</summary>
internal static class Freshness
{
    /// <summary>The response header carrying <c>dataThrough</c>, for CSV answers, which have no field for it.</summary>
    public const string Header = "Clv-Data-Through";

    /// <summary>
    /// The time up to which <paramref name="answer"/> holds every acknowledged write, also set as
    /// the header of <paramref name="response"/>.
    /// </summary>
    public static DateTimeOffset DataThrough<T>(this Answer<T> answer, HttpResponse response) => Stamp(answer.DataThrough, response);

    private static DateTimeOffset Stamp(DateTimeOffset through, HttpResponse response)
    {
        var services = response.HttpContext.RequestServices;
        services.GetRequiredService<ClvMetrics>().AnalyticsServed(through, services.GetRequiredService<TimeProvider>().GetUtcNow());
        // The same text as the JSON field.
        response.Headers[Header] = JsonSerializer.Serialize(through)[1..^1];
        return through;
    }
}
