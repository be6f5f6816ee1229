using System.Text.Json;
using Clv.Api.ModelRuns;
using Clv.Api.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Clv.Api.Tests.ModelRuns;

/// <summary>
/// Which run's predictions are served: validation runs report without replacing them unless they ask to, a run a user
/// asks to activate is pinned against scheduled runs, and a run a user starts always replaces the active one.
/// </summary>
public sealed class ModelRunActivationTests(ClvApiFactory api) : IClassFixture<ClvApiFactory>, IAsyncLifetime
{
    private static readonly object Served = new { asOf = "1998-06-30", timeUnit = "weeks" };
    private static readonly object Validation = new { calibrationEnd = "1997-09-30", asOf = "1998-06-30", timeUnit = "weeks" };

    private readonly HttpClient _client = api.Client();

    public Task InitializeAsync() => CdnowSample.ImportOnceAsync(api, _client);

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task A_validation_run_reports_its_fit_and_holdout_and_leaves_the_served_predictions()
    {
        var served = await ModelRunTests.StartAndWaitAsync(_client, Served);

        var validation = await ModelRunTests.StartAndWaitAsync(_client, Validation);

        Assert.Equal("succeeded", validation.GetProperty("status").GetString());
        Assert.False(validation.GetProperty("active").GetBoolean());
        Assert.Equal("notRequested", validation.GetProperty("activation").GetString());
        Assert.False(validation.GetProperty("timings").TryGetProperty("write", out _));
        Assert.True(validation.GetProperty("holdout").GetProperty("customers").GetInt32() > 0);
        Assert.Equal(RunId(served), await ServedRunAsync());
        Assert.Equal("active", (await RunAsync(RunId(served))).GetProperty("activation").GetString());
    }

    [Fact]
    public async Task A_validation_run_that_asks_to_be_activated_is_served()
    {
        var validation = await ModelRunTests.StartAndWaitAsync(_client, new { calibrationEnd = "1997-09-30", asOf = "1998-06-30", timeUnit = "weeks", activate = true });

        Assert.Equal("active", validation.GetProperty("activation").GetString());
        Assert.True(validation.GetProperty("options").GetProperty("pinned").GetBoolean());
        Assert.Equal(RunId(validation), await ServedRunAsync());
    }

    [Fact]
    public async Task A_scheduled_run_leaves_a_pinned_run_served_and_replaces_one_that_is_not()
    {
        var pinned = await ModelRunTests.StartAndWaitAsync(_client, new { asOf = "1998-06-30", timeUnit = "weeks", activate = true });

        var yielded = await RunAsync(await StartScheduledAsync());

        Assert.Equal("succeeded", yielded.GetProperty("status").GetString());
        Assert.Equal("yieldedToPinned", yielded.GetProperty("activation").GetString());
        Assert.Equal("schedule", yielded.GetProperty("options").GetProperty("trigger").GetString());
        Assert.Equal(RunId(pinned), await ServedRunAsync());

        // A run a user starts replaces even a pinned one; being unpinned, the next scheduled run replaces it.
        var user = await ModelRunTests.StartAndWaitAsync(_client, Served);
        Assert.Equal(RunId(user), await ServedRunAsync());
        Assert.Equal("superseded", (await RunAsync(RunId(pinned))).GetProperty("activation").GetString());
        var scheduled = await RunAsync(await StartScheduledAsync());
        Assert.Equal("active", scheduled.GetProperty("activation").GetString());
        Assert.Equal(RunId(scheduled), await ServedRunAsync());
    }

    private static Guid RunId(JsonElement run) => run.GetProperty("id").GetGuid();

    // What ModelRunScheduler does at its time of day.
    private async Task<Guid> StartScheduledAsync()
    {
        await using var scope = api.Services.CreateAsyncScope();
        var launcher = scope.ServiceProvider.GetRequiredService<ModelRunLauncher>();
        var (options, errors) = launcher.Resolve(new ModelRunRequest { AsOf = "1998-06-30" });
        Assert.Empty(errors);
        return await launcher.StartAsync(options with { Trigger = ModelRunTriggers.Schedule }, CancellationToken.None);
    }

    private Task<JsonElement> RunAsync(Guid id) => ModelRunTests.WaitAsync(_client, $"/api/v1/model-runs/{id}");

    private async Task<Guid> ServedRunAsync() =>
        (await (await _client.GetAsync("/api/v1/customers/cdnow-0001")).JsonAsync()).GetProperty("predicted").GetProperty("runId").GetGuid();
}
