using System.Web;
using Clv.Api.Health;
using Clv.Dashboard.Tests.Infrastructure;

namespace Clv.Dashboard.Tests;

/// <summary>
/// A fresh API process sends itself the dashboard's first-load questions before it reports ready
/// (<see cref="ReadPathWarmup.Reads"/>, docs/operations.md), so that a first load does not pay for
/// the first call of each read path. They are written out by hand: this keeps them the questions
/// the page really asks, the same paths and parameters, the as-of day aside.
/// </summary>
[Collection(SharedDashboardSite.Name)]
public sealed class StartUpReadsTests(DashboardSite site)
{
    [Fact]
    public async Task The_start_up_reads_are_the_questions_of_the_dashboard_s_first_load()
    {
        await using var tab = await site.OpenAsync();
        var asOf = await tab.AsOfAsync();

        var asked = tab.ApiRequests.Select(r => Question(r, asOf)).Distinct().Order(StringComparer.Ordinal);
        var warmed = ReadPathWarmup.Reads.Select(r => Question(r, ReadPathWarmup.AsOf)).Order(StringComparer.Ordinal);

        Assert.Equal(string.Join('\n', asked), string.Join('\n', warmed));
    }

    // A request's path and its parameters in name order, its as-of day written as {asOf}.
    private static string Question(string pathAndQuery, string asOf)
    {
        var query = pathAndQuery.IndexOf('?', StringComparison.Ordinal);
        if (query < 0)
        {
            return pathAndQuery;
        }

        var parameters = HttpUtility.ParseQueryString(pathAndQuery[(query + 1)..]);
        var pairs = parameters.AllKeys
            .Select(k => $"{k}={(k == "asOf" && parameters[k] == asOf ? "{asOf}" : parameters[k])}")
            .Order(StringComparer.Ordinal);
        return $"{pathAndQuery[..query]}?{string.Join('&', pairs)}";
    }
}
