using System.Text.Json;
using System.Text.Json.Nodes;
using Clv.Api.Tests.Infrastructure;
using static Clv.Api.Tests.Infrastructure.HttpAssertions;

namespace Clv.Api.Tests.Scale;

/// <summary>
/// Two API instances on one database give the same answer to every analytics request while a
/// third instance keeps writing: the answers come from PostgreSQL, not from an instance. The
/// writer pauses at each comparison, so that both instances read the same data; between
/// comparisons both keep reading under the writes, and every read must succeed. A customer's RFM
/// is scored against the last ranking, refreshed in the background after writes
/// (docs/read-model.md): at each pause both instances are read once and given a moment to rank
/// the paused data before they are compared.
/// </summary>
public sealed class ReplicaConsistencyTests : IAsyncLifetime
{
    private static readonly string[] Questions =
    [
        "/api/v1/metrics/summary",
        "/api/v1/metrics/summary?asOf=2024-06-30",
        "/api/v1/segments",
        "/api/v1/segments?by=country",
        "/api/v1/segments?by=cohort&period=quarter",
        "/api/v1/segments?by=rfmSegment",
        "/api/v1/segments?by=clvTier&asOf=2024-09-30",
        "/api/v1/segments?by=attribute:plan",
        "/api/v1/metrics/timeseries?metric=activeCustomers&from=2023-01-01&to=2024-12-31",
        "/api/v1/metrics/timeseries?metric=churnRate&by=acquisitionChannel&from=2023-01-01&to=2024-12-31",
        "/api/v1/metrics/timeseries?metric=retentionRate&period=quarter&from=2023-01-01&to=2024-12-31",
        "/api/v1/metrics/timeseries?metric=spend&by=acquisitionChannel&from=2023-01-01&to=2024-12-31",
        "/api/v1/cohorts?from=2023-01-01",
        "/api/v1/cohorts?period=quarter&retention=onOrAfter&asOf=2024-10-31",
        "/api/v1/customers?pageSize=20",
        "/api/v1/customers?atRisk=true&asOf=2024-12-31",
        "/api/v1/customers/r-3",
        "/api/v1/customers/r-7?asOf=2024-08-31",
    ];

    private ClvApiFactory First { get; } = new ClvApiFactory().With("Clv:Analytics:RankingRefreshSeconds", "0");

    private ClvApiFactory Second { get; } = new ClvApiFactory().With("Clv:Analytics:RankingRefreshSeconds", "0");

    private ClvApiFactory Writer { get; } = new();

    public async Task InitializeAsync()
    {
        await First.InitializeAsync();
        Second.OnDatabaseOf(First);
        Writer.OnDatabaseOf(First);
    }

    public async Task DisposeAsync()
    {
        await ((IAsyncLifetime)Writer).DisposeAsync();
        await ((IAsyncLifetime)Second).DisposeAsync();
        await ((IAsyncLifetime)First).DisposeAsync();
    }

    [Fact]
    public async Task Two_instances_answer_every_analytics_request_identically_while_a_third_writes()
    {
        var writer = Writer.Client();
        string[] channels = ["search", "social", "email"];
        string[] plans = ["free", "pro"];
        (await writer.PostCustomersAsync([.. Enumerable.Range(0, 40).Select(i => (object)new
        {
            externalId = $"r-{i}",
            acquiredAt = $"2023-{1 + (i % 12):D2}-{1 + (i % 27):D2}T10:00:00Z",
            acquisitionChannel = i % 4 == 3 ? null : channels[i % 3],
            country = i % 2 == 0 ? "DE" : "US",
            attributes = new Dictionary<string, string> { ["plan"] = plans[i % 2] },
        })])).EnsureSuccessStatusCode();
        (await writer.PostSpendAsync(
            new { channel = "search", periodStart = "2023-01-01", periodEnd = "2023-12-31", amount = 1200m, currency = "USD" },
            new { channel = "social", periodStart = "2023-01-01", periodEnd = "2023-06-30", amount = 300m, currency = "USD" }))
            .EnsureSuccessStatusCode();

        var random = new Random(11);
        var written = 0;
        using var gate = new SemaphoreSlim(1, 1);
        using var stop = new CancellationTokenSource();
        var writing = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                await gate.WaitAsync();
                try
                {
                    var batch = Enumerable.Range(0, 10).Select(_ =>
                    {
                        var n = Interlocked.Increment(ref written);
                        var day = new DateOnly(2023, 1, 1).AddDays(random.Next(730));
                        return Tx($"rt-{n}", $"r-{random.Next(50)}", $"{day:yyyy-MM-dd}T12:00:00Z",
                            type: random.Next(8) == 0 ? "refund" : "purchase", amount: random.Next(1, 300));
                    }).ToArray();
                    (await writer.PostTransactionsAsync(batch)).EnsureSuccessStatusCode();
                }
                finally
                {
                    gate.Release();
                }

                await Task.Delay(20);
            }
        });

        var first = First.Client();
        var second = Second.Client();
        for (var round = 0; round < 4; round++)
        {
            // Under the writes: both instances answer everything.
            foreach (var question in Questions)
            {
                var answers = await Task.WhenAll(first.GetAsync(question), second.GetAsync(question));
                Assert.All(answers, a => Assert.True(a.IsSuccessStatusCode, $"{question}: {(int)a.StatusCode}"));
            }

            // Writes paused: both instances see the same data, and must say the same.
            await gate.WaitAsync();
            var paused = DateTimeOffset.UtcNow;
            try
            {
                foreach (var question in Questions)
                {
                    await Task.WhenAll(first.GetAsync(question), second.GetAsync(question));
                }

                await Task.Delay(1000);
                foreach (var question in Questions)
                {
                    var oneResponse = await first.GetAsync(question);
                    var otherResponse = await second.GetAsync(question);
                    var one = Comparable(await oneResponse.Content.ReadAsStringAsync());
                    var other = Comparable(await otherResponse.Content.ReadAsStringAsync());
                    Assert.True(one == other, $"{question} differs between the instances after {written} writes (data through {Through(oneResponse)} and {Through(otherResponse)}, paused at {paused:O}):\n{one}\n{other}");
                }
            }
            finally
            {
                gate.Release();
            }

            await Task.Delay(300);
        }

        await stop.CancelAsync();
        await writing;
        Assert.True(written >= 40, $"Only {written} transactions were written during the comparisons.");
    }

    private static string Through(HttpResponseMessage response) =>
        response.Headers.TryGetValues("Clv-Data-Through", out var values) ? values.First() : "none";

    // The answer without dataThrough, the time each instance last checked the data version.
    private static string Comparable(string json)
    {
        var node = JsonNode.Parse(json)!;
        if (node is JsonObject answer)
        {
            answer.Remove("dataThrough");
        }

        return node.ToJsonString(new JsonSerializerOptions { WriteIndented = false });
    }
}
