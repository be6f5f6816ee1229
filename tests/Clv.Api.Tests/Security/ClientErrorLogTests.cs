using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Clv.Api.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Serilog.Core;
using Serilog.Events;

namespace Clv.Api.Tests.Security;

/// <summary>
/// A client's mistake is no alarm: requests answered 4xx, even when the answer comes from an
/// exception mapped to its status, are logged at Information without a stack trace; only a server
/// fault is logged as an error, with its exception.
/// </summary>
public sealed class ClientErrorLogTests(ClientErrorLogTests.LoggedApi api) : IClassFixture<ClientErrorLogTests.LoggedApi>
{
    /// <summary>The API logging from Information up, as in production, into a sink the test reads (LoggingConfigs reads sinks from DI).</summary>
    public sealed class LoggedApi : IAsyncLifetime, ILogEventSink
    {
        public ConcurrentQueue<LogEvent> Events { get; } = new();

        public ClvApiFactory Factory { get; }

        public LoggedApi() => Factory = new ClvApiFactory()
            .With("Serilog:MinimumLevel:Default", "Information")
            .WithServices(TestEndpoints.Add)
            .WithServices(services => services.AddSingleton<ILogEventSink>(this));

        public void Emit(LogEvent logEvent) => Events.Enqueue(logEvent);

        // Started here, so that what the service logs at start is not taken for a request's.
        public async Task InitializeAsync()
        {
            await Factory.InitializeAsync();
            (await Factory.Client().GetAsync("/health/live")).EnsureSuccessStatusCode();
        }

        public Task DisposeAsync() => ((IAsyncLifetime)Factory).DisposeAsync();
    }

    public static TheoryData<string, string, string, int> ClientErrors => new()
    {
        { "a CSV import with a bad header", "/api/v1/transactions/import", "text/csv", 400 },
        { "an atomic CSV import with an invalid row", "/api/v1/transactions/import?atomic=true", "text/csv", 422 },
        { "an atomic JSON batch with an invalid item", "/api/v1/transactions?atomic=true", "application/json", 422 },
    };

    [Theory]
    [MemberData(nameof(ClientErrors))]
    public async Task A_client_error_is_logged_at_information_without_a_stack_trace(string request, string path, string contentType, int status)
    {
        var body = (request, contentType) switch
        {
            (_, "application/json") => """{"transactions":[{"externalId":"t1","customerExternalId":"c1","occurredAt":"2024-03-01T10:00:00Z","type":"purchase","amount":-5,"currency":"USD"}]}""",
            ("a CSV import with a bad header", _) => "id,customer,when\nt1,c1,2024-03-01\n",
            _ => "external_id,customer_external_id,occurred_at,type,amount,currency\nt1,c1,2024-03-01T10:00:00Z,purchase,not-a-number,USD\n",
        };

        var logged = await LoggedAsync(client => client.PostAsync(path, new StringContent(body, Encoding.UTF8, contentType)), status);

        Assert.Contains(logged, e => e.Level == LogEventLevel.Information && e.MessageTemplate.Text.Contains("responded", StringComparison.Ordinal));
        Assert.DoesNotContain(logged, e => e.Level >= LogEventLevel.Error || e.Exception is not null);
    }

    [Fact]
    public async Task A_server_fault_is_still_logged_as_an_error_with_its_exception()
    {
        var logged = await LoggedAsync(client => client.GetAsync(TestEndpoints.Throw), 500);

        Assert.Contains(logged, e => e.Level == LogEventLevel.Error && e.Exception is InvalidOperationException);
    }

    // What the service logged for one request, from its start to its request-log line.
    private async Task<List<LogEvent>> LoggedAsync(Func<HttpClient, Task<HttpResponseMessage>> send, int status)
    {
        using var client = api.Factory.Client();
        var before = api.Events.Count;
        var response = await send(client);
        Assert.Equal((HttpStatusCode)status, response.StatusCode);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!api.Events.Skip(before).Any(e => e.MessageTemplate.Text.Contains("responded", StringComparison.Ordinal)) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        return api.Events.Skip(before).ToList();
    }
}
