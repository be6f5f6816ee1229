using System.Net;
using System.Net.Http.Json;
using Clv.Api.Tests.Infrastructure;

namespace Clv.Api.Tests.ModelRuns;

/// <summary>Run options other than the defaults, each on a database of this class's own.</summary>
public sealed class ModelRunOptionsTests(ClvApiFactory api) : IClassFixture<ClvApiFactory>, IAsyncLifetime
{
    private readonly HttpClient _client = api.Client();

    public Task InitializeAsync() => CdnowSample.ImportOnceAsync(api, _client);

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task A_run_in_days_measures_recency_and_age_in_days()
    {
        var run = await ModelRunTests.StartAndWaitAsync(_client, new { calibrationEnd = "1997-09-30", asOf = "1998-06-30", timeUnit = "days", activate = true });
        var customer = await (await _client.GetAsync("/api/v1/customers/cdnow-0001")).JsonAsync();
        var firstDay = CdnowSample.Purchases.Where(p => p.Customer == "cdnow-0001").Min(p => p.Day);

        Assert.Equal("succeeded", run.GetProperty("status").GetString());
        var predicted = customer.GetProperty("predicted");
        Assert.Equal(run.GetProperty("id").GetGuid(), predicted.GetProperty("runId").GetGuid());
        Assert.Equal("days", predicted.GetProperty("timeUnit").GetString());
        Assert.Equal(new DateOnly(1997, 9, 30).DayNumber - firstDay.DayNumber, predicted.GetProperty("age").GetDouble());
    }

    [Fact]
    public async Task A_read_key_cannot_start_a_run()
    {
        var key = (await (await _client.PostAsJsonAsync("/api/v1/api-keys", new { name = "reader", scopes = new[] { "read" } })).JsonAsync(HttpStatusCode.Created)).GetProperty("key").GetString();

        await (await api.Client(key).PostAsJsonAsync("/api/v1/model-runs", new { })).ProblemAsync(HttpStatusCode.Forbidden);
    }

    [Theory]
    // Months and years are calendar periods, which only BG/BB counts in; BG/BB counts purchase periods, the others
    // purchase days, so they share a run only in days.
    [InlineData("bgnbd", null, "months")]
    [InlineData("paretonbd", null, "years")]
    [InlineData("bgbb", "bgnbd", "weeks")]
    [InlineData("bgbb", "paretonbd", "years")]
    public async Task Time_units_a_model_cannot_count_in_are_refused(string model, string? other, string unit)
    {
        var models = other is null ? new[] { model } : new[] { model, other };

        var problem = await (await _client.PostAsJsonAsync("/api/v1/model-runs", new { models, timeUnit = unit })).ProblemAsync(HttpStatusCode.BadRequest);

        Assert.True(problem.GetProperty("errors").TryGetProperty("timeUnit", out _), problem.ToString());
    }

    [Fact]
    public async Task Bgbb_in_days_fits_beside_the_continuous_models_on_the_same_purchase_days()
    {
        var run = await ModelRunTests.StartAndWaitAsync(_client, new { calibrationEnd = "1997-09-30", asOf = "1998-06-30", timeUnit = "days", models = new[] { "bgnbd", "bgbb" } });

        Assert.Equal("succeeded", run.GetProperty("status").GetString());
        var models = run.GetProperty("models");
        Assert.True(models.GetProperty("bgbb").GetProperty("converged").GetBoolean());
        Assert.Equal(2_357, models.GetProperty("bgbb").GetProperty("customers").GetDouble());
        var (bgbb, bgnbd) = (models.GetProperty("bgbb").GetProperty("holdout"), models.GetProperty("bgnbd").GetProperty("holdout"));
        Assert.Equal(bgnbd.GetProperty("actual").GetInt64(), bgbb.GetProperty("actual").GetInt64());
        Assert.Equal(273, bgbb.GetProperty("length").GetDouble());
    }
}
