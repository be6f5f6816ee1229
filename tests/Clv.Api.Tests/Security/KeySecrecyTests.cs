using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using Clv.Api.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Serilog.Core;
using Serilog.Events;
using static Clv.Api.Tests.Infrastructure.HttpAssertions;

namespace Clv.Api.Tests.Security;

/// <summary>Raw API keys never reach the database or the log, whatever the requests that carry them do.</summary>
public sealed class KeySecrecyTests(KeySecrecyTests.LoggedApi api) : IClassFixture<KeySecrecyTests.LoggedApi>
{
    /// <summary>Every Serilog event, rendered with all its properties and its exception.</summary>
    public sealed class CapturedLog : ILogEventSink
    {
        public ConcurrentQueue<string> Lines { get; } = new();

        public void Emit(LogEvent logEvent)
        {
            ArgumentNullException.ThrowIfNull(logEvent);
            var line = new StringBuilder(logEvent.RenderMessage(CultureInfo.InvariantCulture));
            foreach (var (name, value) in logEvent.Properties)
            {
                line.Append(' ').Append(name).Append('=').Append(value.ToString(null, CultureInfo.InvariantCulture));
            }

            Lines.Enqueue(line.Append(' ').Append(logEvent.Exception).ToString());
        }
    }

    /// <summary>The API logging everything, down to Verbose, into a <see cref="CapturedLog"/> (LoggingConfigs reads sinks from DI).</summary>
    public sealed class LoggedApi : IAsyncLifetime
    {
        public CapturedLog Log { get; } = new();

        public ClvApiFactory Factory { get; }

        public LoggedApi()
        {
            Factory = new ClvApiFactory()
                .With("Serilog:MinimumLevel:Default", "Verbose")
                .With("Serilog:MinimumLevel:Override:Microsoft.AspNetCore", "Verbose")
                .With("Serilog:MinimumLevel:Override:Microsoft.EntityFrameworkCore", "Verbose")
                .With("Serilog:MinimumLevel:Override:Microsoft.EntityFrameworkCore.Database.Command", "Verbose")
                .WithServices(services => services.AddSingleton<ILogEventSink>(Log));
        }

        public Task InitializeAsync() => Factory.InitializeAsync();

        public Task DisposeAsync() => ((IAsyncLifetime)Factory).DisposeAsync();
    }

    [Fact]
    public async Task Raw_keys_never_appear_in_any_table_or_in_the_log()
    {
        var admin = api.Factory.Client();
        var keys = new List<string> { ClvApiFactory.AdminKey, "clv_an-invalid-key-that-must-not-be-logged-either" };
        string? revokedId = null;
        foreach (var scope in new[] { "read", "ingest", "admin", "read" })
        {
            var created = await (await admin.PostAsJsonAsync("/api/v1/api-keys", new { name = "secrecy " + scope, scopes = new[] { scope } })).JsonAsync(System.Net.HttpStatusCode.Created);
            keys.Add(created.GetProperty("key").GetString()!);
            revokedId = created.GetProperty("id").GetString();
        }

        (await admin.DeleteAsync($"/api/v1/api-keys/{revokedId}")).EnsureSuccessStatusCode();
        foreach (var key in keys)
        {
            // Reads, writes, refusals and failures, each with the key in its header.
            var client = api.Factory.Client(key);
            await client.GetAsync("/api/v1/metrics/summary");
            await client.GetAsync("/api/v1/customers?sort=nonsense");
            await client.PostTransactionsAsync(Tx("secrecy-" + keys.IndexOf(key), "secrecy"));
            await client.PostAsync("/api/v1/customers", new StringContent("{\"oops\":", Encoding.UTF8, "application/json"));
            await client.GetAsync("/api/v1/api-keys");
        }

        // The request log is written after the response reaches the test client: wait for the last one.
        for (var wait = 0; wait < 100 && !api.Log.Lines.Any(l => l.Contains("/api/v1/api-keys", StringComparison.Ordinal) && l.Contains("responded", StringComparison.Ordinal)); wait++)
        {
            await Task.Delay(50);
        }

        var log = string.Join('\n', api.Log.Lines);
        Assert.Contains("/api/v1/metrics/summary", log, StringComparison.Ordinal); // the capture works
        var database = await DumpAllTablesAsync();
        Assert.Contains("secrecy-0", database, StringComparison.Ordinal); // and so does the dump
        Assert.All(keys, key =>
        {
            Assert.DoesNotContain(key, log, StringComparison.Ordinal);
            Assert.DoesNotContain(key, database, StringComparison.Ordinal);
        });
    }

    // Every table, partitions included, as text: one that is added later is searched too.
    private async Task<string> DumpAllTablesAsync()
    {
        await using var connection = new NpgsqlConnection(api.Factory.ConnectionString);
        await connection.OpenAsync();
        var tables = (await StoredData.TablesAsync(connection, partitions: true)).Select(t => t.Name);
        var dump = new StringBuilder();
        foreach (var table in tables)
        {
            await using var rows = new NpgsqlCommand($"SELECT coalesce(string_agg(t::text, E'\\n'), '') FROM \"{table}\" t", connection);
            dump.Append(table).Append('\n').Append((string)(await rows.ExecuteScalarAsync())!).Append('\n');
        }

        return dump.ToString();
    }
}
