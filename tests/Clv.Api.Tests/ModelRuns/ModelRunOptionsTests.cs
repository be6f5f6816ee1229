using System.Net;
using System.Net.Http.Json;
using Clv.Api.Tests.Infrastructure;

namespace Clv.Api.Tests.ModelRuns;

/// <summary>Run options other than the defaults, each on a database of this class's own.</summary>
public sealed class ModelRunOptionsTests(ClvApiFactory api) : IClassFixture<ClvApiFactory>, IAsyncLifetime
{
    private readonly HttpClient _client = api.Client();

    public async Task InitializeAsync()
    {
        if (await api.ScalarAsync<long>("SELECT count(*) FROM transactions") == 0)
        {
            (await _client.PostCsvAsync(CdnowSample.Csv())).EnsureSuccessStatusCode();
        }
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task A_run_in_days_measures_recency_and_age_in_days()
    {
        var run = await ModelRunTests.StartAndWaitAsync(_client, new { calibrationEnd = "1997-09-30", asOf = "1998-06-30", timeUnit = "days" });
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
}
