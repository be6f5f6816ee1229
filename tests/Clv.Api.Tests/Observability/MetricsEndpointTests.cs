using System.Net;
using System.Net.Sockets;
using Clv.Api.Tests.Infrastructure;
using static Clv.Api.Tests.Infrastructure.HttpAssertions;

namespace Clv.Api.Tests.Observability;

/// <summary>
/// The Prometheus scrape endpoint on a port of its own (<c>Clv:Metrics:Port</c>), read over real
/// HTTP after ingest, a rejected item, a refused key lookup, an analytics read and a model run.
/// Meters are named process-wide, so other test classes running at once may add to the counts:
/// the assertions are lower bounds.
/// </summary>
public sealed class MetricsEndpointTests(MetricsEndpointTests.Api api) : IClassFixture<MetricsEndpointTests.Api>
{
    public sealed class Api : IAsyncLifetime
    {
        public int Port { get; } = FreePort();

        public ClvApiFactory Factory { get; }

        public Api()
        {
            Factory = new ClvApiFactory()
                .With("Clv:Metrics:Enabled", "true")
                .With("Clv:Metrics:Port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture))
                // One made-up key per second from an address: the second one in a row is 429.
                .With("Clv:RateLimit:KeyLookupBurstLimit", "1")
                .With("Clv:RateLimit:KeyLookupsPerSecond", "1");
        }

        public Task InitializeAsync() => Factory.InitializeAsync();

        public Task DisposeAsync() => ((IAsyncLifetime)Factory).DisposeAsync();

        private static int FreePort()
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }
    }

    [Fact]
    public async Task Ingest_rejections_a_rate_limit_an_analytics_read_and_a_model_run_show_on_the_scrape_port()
    {
        var client = api.Factory.Client();
        // Ten customers with three purchases each, and one item without a currency.
        var items = Enumerable.Range(0, 10).SelectMany(c => Enumerable.Range(0, 3).Select(p =>
            Tx($"obs-{c}-{p}", $"obs-c{c}", $"2024-0{1 + p * 3}-1{c % 10}T12:00:00Z", amount: 10m + c + p))).ToList<object>();
        items.Add(new { externalId = "obs-bad", customerExternalId = "obs-c0", occurredAt = "2024-01-10T12:00:00Z", type = "purchase", amount = 5m });
        var ingested = await (await client.PostTransactionsAsync([.. items])).JsonAsync();
        Assert.Equal(30, ingested.Long("inserted"));
        Assert.Equal(1, ingested.Long("rejected"));
        (await client.PostCustomersAsync(new { externalId = "obs-c0", acquisitionChannel = "ads" })).EnsureSuccessStatusCode();
        (await client.GetAsync("/api/v1/metrics/summary")).EnsureSuccessStatusCode();
        var run = await Clv.Api.Tests.ModelRuns.ModelRunTests.StartAndWaitAsync(client, new { models = new[] { "bgnbd", "gammagamma" } });
        Assert.Contains(run.GetProperty("status").GetString(), new[] { "succeeded", "failed" });
        await TripKeyLookupLimitAsync();

        var scraped = await ScrapeAsync();

        Assert.True(PrometheusText.Sum(scraped, "clv_ingest_rows_total", "kind=\"transactions\"") >= 30, scraped);
        Assert.True(PrometheusText.Sum(scraped, "clv_ingest_rows_total", "kind=\"customers\"") >= 1, scraped);
        Assert.True(PrometheusText.Sum(scraped, "clv_ingest_rejected_total", "kind=\"transactions\"") >= 1, scraped);
        Assert.True(PrometheusText.Sum(scraped, "clv_rate_limit_rejections_total", "limiter=\"key_lookups\"") >= 1, scraped);
        Assert.True(PrometheusText.Sum(scraped, "clv_model_run_stage_duration_seconds_count", "stage=\"summary\"") >= 1, scraped);
        Assert.InRange(PrometheusText.Sum(scraped, "clv_model_run_stage_duration_seconds_sum", "stage=\"summary\"") ?? -1, 0, 600);
        Assert.True(PrometheusText.Sum(scraped, "clv_analytics_data_age_seconds_count") >= 1, scraped);
        // The answer was computed for this read: it lags the writes by well under a minute.
        Assert.True(PrometheusText.Sum(scraped, "clv_analytics_data_age_seconds_bucket", "le=\"60\"") >= 1, scraped);
        // ASP.NET Core's and Npgsql's own instruments come along.
        Assert.True(PrometheusText.Sum(scraped, "http_server_request_duration_seconds_count") >= 1, scraped);
        Assert.Contains("\ndb_client_", scraped, StringComparison.Ordinal);
        // And the runtime's: the working set and the managed heaps after the last collection.
        Assert.True(PrometheusText.Sum(scraped, "dotnet_process_memory_working_set_bytes") > 0, scraped);
        Assert.True(PrometheusText.Sum(scraped, "dotnet_gc_last_collection_heap_size_bytes") > 0, scraped);
    }

    [Fact]
    public async Task With_a_port_of_its_own_the_endpoint_is_not_served_on_the_api_port()
    {
        Assert.Equal(HttpStatusCode.NotFound, (await api.Factory.Client().GetAsync("/metrics")).StatusCode);
        Assert.Contains("clv_", await ScrapeAsync(), StringComparison.Ordinal);
    }

    // Made-up keys from one address until one is refused before its lookup.
    private async Task TripKeyLookupLimitAsync()
    {
        for (var i = 0; i < 50; i++)
        {
            var response = await api.Factory.Client($"clv_made-up-{Guid.NewGuid():N}").GetAsync("/api/v1/metrics/summary");
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                return;
            }
        }

        Assert.Fail("No made-up key was refused with 429.");
    }

    private async Task<string> ScrapeAsync()
    {
        _ = api.Factory.Services; // the listener starts with the host
        using var http = new HttpClient();
        var response = await http.GetAsync(new Uri($"http://127.0.0.1:{api.Port}/metrics"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }
}
