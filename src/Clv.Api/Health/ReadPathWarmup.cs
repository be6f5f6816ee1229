using System.Net;
using System.Security.Claims;
using Clv.Analytics.ModelRuns;
using Clv.Analytics.Models;
using Clv.Analytics.Predictions;
using Clv.Api.ModelRuns;
using Clv.Api.Authentication;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace Clv.Api.Health;

/// <summary>
/// Sends the dashboard's reads through the service's own pipeline once, in process, when it has
/// started, so that the first client to ask them does not pay for the process's first calls: the
/// read paths' code compiled, types loaded, EF Core's queries and System.Text.Json's contracts
/// built. That took about 2 s of processor time in a dashboard's first load (docs/benchmarks.md).
/// Then it runs a model run's computation over a small made-up book (<see cref="ModelRunWarmup"/>),
/// so that the first model run of the process does not pay for its compilation either.
/// </summary>
/// <remarks>
/// The reads ask as of <see cref="AsOf"/>, before any stored day can fall, so each costs a scan
/// and no figure: no answer a client will ask for is computed ahead of it. They run as a reader
/// that exists only in this process (no key, no socket), and their answers are thrown away; the
/// model run's computation reads and stores nothing. The service reports ready
/// (<c>/health/ready</c>) once both have ended, or failed, which only costs the speed-up; readiness
/// waits for them at most <c>Clv:Analytics:WarmUpMaxWaitSeconds</c>.
/// </remarks>
internal sealed class ReadPathWarmup(
    IHostApplicationLifetime lifetime,
    IServiceScopeFactory scopes,
    IOptions<AnalyticsOptions> options,
    TimeProvider time,
    ILogger<ReadPathWarmup> logger) : BackgroundService
{
    /// <summary>The day the reads ask about: a month's last day before any stored figure.</summary>
    public const string AsOf = "1970-01-31";

    /// <summary>The reads, as the dashboard sends them on its first load (src/Clv.Dashboard/src/main.ts).</summary>
    public static readonly IReadOnlyList<string> Reads = Dashboard();

    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private RequestDelegate? _pipeline;

    // When the reads began (a timestamp); 0 before.
    private long _startedAt;

    /// <summary>Completes once every read has answered, or at once when warming up is off.</summary>
    /// <remarks>
    /// Off, it is complete from the start: since .NET 10 the host runs ExecuteAsync on the thread
    /// pool, so a readiness probe could come before it had run and find the instance not ready.
    /// </remarks>
    public Task Completion => options.Value.WarmUpOnStart ? _done.Task : Task.CompletedTask;

    /// <summary>
    /// Whether readiness need no longer wait: the reads have answered, or they have taken longer
    /// than <c>Clv:Analytics:WarmUpMaxWaitSeconds</c>.
    /// </summary>
    public bool Settled => Completion.IsCompleted
        || (Volatile.Read(ref _startedAt) is var started and not 0
            && time.GetElapsedTime(started).TotalSeconds >= options.Value.WarmUpMaxWaitSeconds);

    /// <summary>Each read's status, in <see cref="Reads"/> order, once <see cref="Completion"/> has completed.</summary>
    public IReadOnlyList<int> Statuses { get; private set; } = [];

    // A run's models, projection and intervals as a request that names none of them gets them (ModelRunLauncher):
    // what the warm-up compiles is what such a run executes. The seed is fixed: the draws' values do not matter.
    private static readonly ClvProjection DefaultProjection = new(
        ModelRunLauncher.DefaultHorizonMonths, ModelRunLauncher.DefaultDiscountRateMonthly, ModelRunOptions.ParseTimeUnit(ModelRunLauncher.DefaultTimeUnit));

    private static readonly IntervalSettings DefaultIntervals = new(ModelRunLauncher.DefaultIntervalLevel, ModelRunLauncher.DefaultIntervalDraws, Seed: 1);

    /// <summary>The made-up customers the model run's computation gave intervals (<see cref="ModelRunWarmup.Run"/>), once <see cref="Completion"/> has completed; 0 when it did not run.</summary>
    public int RunCustomersWithIntervals { get; private set; }

    /// <summary>
    /// Keeps the pipeline that follows the point where this is used (UseClvWarmup), as the host
    /// builds it; it adds no step of its own.
    /// </summary>
    public RequestDelegate Capture(RequestDelegate next)
    {
        _pipeline = next;
        return next;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            if (!options.Value.WarmUpOnStart)
            {
                return;
            }

            await StartedAsync(stoppingToken);
            if (_pipeline is { } pipeline)
            {
                var started = time.GetTimestamp();
                Volatile.Write(ref _startedAt, started);
                var statuses = new List<int>(Reads.Count);
                foreach (var read in Reads)
                {
                    statuses.Add(await SendAsync(pipeline, read, stoppingToken));
                }

                Statuses = statuses;
                logger.LogInformation("Warmed the read paths in {Seconds:F2} s: {Answered} of {Reads} answered 200",
                    time.GetElapsedTime(started).TotalSeconds, statuses.Count(s => s == StatusCodes.Status200OK), Reads.Count);
            }

            var computed = time.GetTimestamp();
            RunCustomersWithIntervals = ModelRunWarmup.Run(
                ModelRunLauncher.DefaultModels, ModelRunLauncher.PrimaryOf(ModelRunLauncher.DefaultModels), DefaultProjection, DefaultIntervals, stoppingToken);
            logger.LogInformation("Warmed a model run's computation in {Seconds:F2} s: {WithIntervals} of {Customers} made-up customers given intervals",
                time.GetElapsedTime(computed).TotalSeconds, RunCustomersWithIntervals, ModelRunWarmup.Customers);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning(e, "Could not warm up the read paths or a model run's computation; the first reads or the first run will be slower");
        }
        finally
        {
            _done.TrySetResult();
        }
    }

    // Once the service has started, and so built its pipeline.
    private async Task StartedAsync(CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var onStarted = lifetime.ApplicationStarted.Register(() => started.TrySetResult());
        using var onStopping = stoppingToken.Register(() => started.TrySetCanceled(stoppingToken));
        await started.Task;
    }

    private async Task<int> SendAsync(RequestDelegate pipeline, string read, CancellationToken stoppingToken)
    {
        var query = read.IndexOf('?', StringComparison.Ordinal);
        var request = new HttpRequestFeature
        {
            Method = HttpMethods.Get,
            Scheme = "http",
            Protocol = "HTTP/1.1",
            PathBase = "",
            Path = query < 0 ? read : read[..query],
            QueryString = query < 0 ? "" : read[query..],
        };
        request.Headers.Host = "localhost";
        request.Headers.Accept = "application/json";
        var features = new FeatureCollection();
        features.Set<IHttpRequestFeature>(request);
        features.Set<IHttpResponseFeature>(new HttpResponseFeature());
        features.Set<IHttpResponseBodyFeature>(new StreamResponseBodyFeature(Stream.Null));
        features.Set<IHttpConnectionFeature>(new HttpConnectionFeature { RemoteIpAddress = IPAddress.Loopback, LocalIpAddress = IPAddress.Loopback });
        features.Set<IHttpRequestLifetimeFeature>(new HttpRequestLifetimeFeature { RequestAborted = stoppingToken });
        await using var scope = scopes.CreateAsyncScope();
        var context = new DefaultHttpContext(features)
        {
            RequestServices = scope.ServiceProvider,
            User = new ClaimsPrincipal(new ClaimsIdentity([new Claim(Scopes.ClaimType, Scopes.Read)], nameof(ReadPathWarmup))),
        };
        await pipeline(context);
        return context.Response.StatusCode;
    }

    private static List<string> Dashboard()
    {
        const string Query = $"asOf={AsOf}&period=month";
        string[] metrics = ["activeCustomers", "newCustomers", "churnedCustomers", "churnRate", "netRevenue", "spend"];
        // The value segments' figures (src/Clv.Dashboard/src/widgets/segments.ts).
        const string ValueFields = "fields=customers,customerEquity,predictedCustomerEquity,avgHistoricalClv,revenueShare";
        return
        [
            "/api/v1/model-runs?limit=20",
            "/api/v1/customers?sort=lastPurchaseAt&direction=desc&pageSize=1",
            $"/api/v1/customers?atRisk=true&asOf={AsOf}&sort=predictedClv&direction=desc&pageSize=10&include=rfm,trend",
            $"/api/v1/metrics/summary?asOf={AsOf}",
            $"/api/v1/cohorts?{Query}",
            $"/api/v1/segments?{Query}&by=acquisitionChannel",
            $"/api/v1/segments?{Query}&by=clvTier&{ValueFields}",
            $"/api/v1/segments?{Query}&by=rfmSegment&{ValueFields}",
            .. metrics.Select(m => $"/api/v1/metrics/timeseries?metric={m}&{Query}"),
        ];
    }
}
