using System.Text.Json.Nodes;
using Clv.Api.Tests.Infrastructure;

namespace Clv.Api.Tests.Dashboard;

/// <summary>
/// The dashboard's typed client is generated from src/Clv.Dashboard/openapi.json, a snapshot of
/// the document the API serves; this keeps the snapshot from going stale after a contract change.
/// </summary>
public sealed class OpenApiSnapshotTests(ClvApiFactory factory) : IClassFixture<ClvApiFactory>
{
    [Fact]
    public async Task Served_document_equals_the_dashboard_s_committed_snapshot()
    {
        var served = JsonNode.Parse(await factory.Client().GetStringAsync("/swagger/v1/swagger.json"))!;
        var snapshot = JsonNode.Parse(await File.ReadAllTextAsync(SnapshotPath()))!;

        Assert.True(JsonNode.DeepEquals(served, snapshot),
            "src/Clv.Dashboard/openapi.json differs from the served document at "
            + string.Join(", ", Differences(served, snapshot).Take(20))
            + ". Run ./scripts/openapi-snapshot.sh, then check that the dashboard still builds (scripts/lib/dashboard.sh).");
    }

    // The paths and schemas that differ, so a failure says what changed.
    private static IEnumerable<string> Differences(JsonNode served, JsonNode snapshot)
    {
        foreach (var (key, value) in served.AsObject())
        {
            if (key is not ("paths" or "components") && !JsonNode.DeepEquals(value, snapshot[key]))
            {
                yield return key;
            }
        }

        foreach (var section in new[] { "paths", "components/schemas" })
        {
            var a = Section(served, section);
            var b = Section(snapshot, section);
            foreach (var key in a.Select(p => p.Key).Union(b.Select(p => p.Key)).Order(StringComparer.Ordinal))
            {
                if (!JsonNode.DeepEquals(a[key], b[key]))
                {
                    yield return $"{section}/{key}";
                }
            }
        }
    }

    private static JsonObject Section(JsonNode document, string path) =>
        path.Split('/').Aggregate((JsonNode?)document, (node, name) => node?[name]) as JsonObject ?? [];

    private static string SnapshotPath() => Path.Combine(RepositoryRoot.Path, "src", "Clv.Dashboard", "openapi.json");
}
