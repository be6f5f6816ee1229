using System.Diagnostics;
using System.Net;
using Clv.Api.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;
using static Clv.Api.Tests.Infrastructure.HttpAssertions;

namespace Clv.Api.Tests.Security;

/// <summary>
/// A CSV export of the customer list streams from one database connection for as long as its
/// client takes to download it. A pool of 8 connections and 5,000 customers: an export is far more
/// than the buffers between the query and the client, so a slow client holds its connection.
/// </summary>
public sealed class SlowExportTests(SlowExportTests.Api api) : IClassFixture<SlowExportTests.Api>
{
    private const int Customers = 5_000;

    public sealed class Api : IAsyncLifetime
    {
        public ClvApiFactory Factory { get; } = new ClvApiFactory().With("Database:MaxPoolSize", "8");

        public async Task InitializeAsync()
        {
            await Factory.InitializeAsync();
            var customers = Enumerable.Range(0, Customers)
                .Select(i => (object)new { externalId = $"slow-{i:D5}", acquisitionChannel = "slow-export", country = "DE" })
                .ToArray();
            (await Factory.Client().PostCustomersAsync(customers)).EnsureSuccessStatusCode();
            (await Factory.Client().PostTransactionsAsync(Tx("slow-t1", "slow-00001"))).EnsureSuccessStatusCode();
        }

        public Task DisposeAsync() => ((IAsyncLifetime)Factory).DisposeAsync();
    }

    [Fact]
    public async Task Eight_slowly_read_exports_at_once_leave_customer_reads_answering()
    {
        using var stop = new CancellationTokenSource();
        var exports = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => StartExportAsync(stop.Token)));
        var readers = exports.Where(e => e.IsSuccessStatusCode).Select(e => ReadSlowlyAsync(e, stop.Token)).ToList();
        try
        {
            Assert.NotEmpty(readers); // some exports run, held open by their slow clients

            var clock = Stopwatch.StartNew();
            var read = await api.Factory.Client().GetAsync("/api/v1/customers/slow-00001").WaitAsync(TimeSpan.FromSeconds(10));
            var list = await api.Factory.Client().GetAsync("/api/v1/customers?pageSize=10").WaitAsync(TimeSpan.FromSeconds(10));

            Assert.Equal(HttpStatusCode.OK, read.StatusCode);
            Assert.Equal(HttpStatusCode.OK, list.StatusCode);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"The reads took {clock.Elapsed} beside eight slow exports.");
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(readers);
            Array.ForEach(exports, e => e.Dispose());
        }
    }

    [Fact]
    public async Task An_export_beyond_the_limit_is_503_problem_with_retry_after_and_its_slot_is_freed_when_a_slow_client_leaves()
    {
        using var stop = new CancellationTokenSource();
        var exports = new List<HttpResponseMessage>();
        try
        {
            // Exports that run are held open by clients that read nothing; the next one is refused.
            HttpResponseMessage refused;
            while (true)
            {
                var export = await StartExportAsync(stop.Token);
                exports.Add(export);
                if (!export.IsSuccessStatusCode)
                {
                    refused = export;
                    break;
                }

                Assert.True(exports.Count < 8, "Eight exports ran at once on a pool of eight connections.");
            }

            await refused.ProblemAsync(HttpStatusCode.ServiceUnavailable);
            Assert.True(int.Parse(refused.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture) >= 1);

            // The first slow client goes away: its export is cancelled and gives its slot back.
            exports[0].Dispose();
            var next = await RetryAsync(() => StartExportAsync(CancellationToken.None));
            Assert.Equal(HttpStatusCode.OK, next.StatusCode);
            var lines = (await next.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(Customers + 1, lines.Length);
        }
        finally
        {
            await stop.CancelAsync();
            exports.ForEach(e => e.Dispose());
        }
    }

    [Fact]
    public async Task An_export_asks_the_server_for_its_minimum_data_rate()
    {
        var rate = new MinResponseDataRate();

        var context = await api.Factory.Server.SendAsync(c =>
        {
            c.Features.Set<IHttpMinResponseDataRateFeature>(rate);
            c.Request.Method = HttpMethods.Get;
            c.Request.Path = "/api/v1/customers";
            c.Request.QueryString = new QueryString("?acquisitionChannel=slow-export");
            c.Request.Headers.Accept = "text/csv";
            c.Request.Headers["X-Api-Key"] = ClvApiFactory.AdminKey;
        });

        Assert.Equal(200, context.Response.StatusCode);
        Assert.Equal(16 * 1024, rate.MinDataRate?.BytesPerSecond);
        Assert.Equal(TimeSpan.FromSeconds(10), rate.MinDataRate?.GracePeriod);
    }

    // Kestrel's feature, which the in-memory test server does not have.
    private sealed class MinResponseDataRate : IHttpMinResponseDataRateFeature
    {
        public MinDataRate? MinDataRate { get; set; }
    }

    private async Task<HttpResponseMessage> StartExportAsync(CancellationToken cancellationToken)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/customers?acquisitionChannel=slow-export");
        request.Headers.Accept.ParseAdd("text/csv");
        return await api.Factory.Client(apiKey: ClvApiFactory.AdminKey).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
    }

    // A client on a slow line: a kilobyte every 200 ms, about 5 KB/s.
    private static async Task ReadSlowlyAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
            var buffer = new byte[1024];
            while (await body.ReadAsync(buffer, cancellationToken) > 0)
            {
                await Task.Delay(200, cancellationToken);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    // The cancelled export gives its slot back as its request ends, a moment after the client left.
    private static async Task<HttpResponseMessage> RetryAsync(Func<Task<HttpResponseMessage>> send)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var response = await send();
            if (response.StatusCode != HttpStatusCode.ServiceUnavailable || clock.Elapsed > TimeSpan.FromSeconds(10))
            {
                return response;
            }

            response.Dispose();
            await Task.Delay(50);
        }
    }
}
