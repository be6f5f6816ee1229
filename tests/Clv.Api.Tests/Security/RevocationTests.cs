using System.Data.Common;
using System.Net;
using System.Net.Http.Json;
using Clv.Api.Tests.Infrastructure;
using Clv.Data;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;

namespace Clv.Api.Tests.Security;

/// <summary>
/// Revoking a key: every request that starts after the DELETE answers is refused, on every
/// instance, whatever lookups of the key were cached or in flight.
/// </summary>
public sealed class RevocationTests(RevocationTests.Api api) : IClassFixture<RevocationTests.Api>
{
    public sealed class Api : IAsyncLifetime
    {
        public LookupPause Pause { get; } = new();

        public ClvApiFactory Factory { get; }

        /// <summary>A second instance on the same database.</summary>
        public ClvApiFactory Other { get; private set; } = null!;

        public Api() => Factory = new ClvApiFactory().WithServices(services =>
            services.ConfigureDbContext<ClvDbContext>((_, options) => options.AddInterceptors(Pause)));

        public async Task InitializeAsync()
        {
            await Factory.InitializeAsync();
            Other = new ClvApiFactory().OnDatabaseOf(Factory);
            await Other.InitializeAsync();
        }

        public async Task DisposeAsync()
        {
            await Other.DisposeAsync();
            await ((IAsyncLifetime)Factory).DisposeAsync();
        }
    }

    [Fact]
    public async Task A_key_revoked_through_one_instance_is_refused_by_another_that_had_cached_it()
    {
        var (id, key) = await CreateKeyAsync();
        Assert.Equal(HttpStatusCode.OK, (await api.Other.Client(key).GetAsync("/api/v1/model-runs")).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await api.Factory.Client().DeleteAsync($"/api/v1/api-keys/{id}")).StatusCode);

        await (await api.Other.Client(key).GetAsync("/api/v1/model-runs")).ProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task A_lookup_in_flight_during_the_revocation_does_not_keep_the_key_valid()
    {
        var (id, key) = await CreateKeyAsync();
        var held = api.Pause.Arm();

        // The lookup reads the key while it is valid, and is held there until the revocation answered.
        var inFlight = api.Factory.Client(key).GetAsync("/api/v1/model-runs");
        await held.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(HttpStatusCode.NoContent, (await api.Factory.Client().DeleteAsync($"/api/v1/api-keys/{id}")).StatusCode);
        api.Pause.Release();
        (await inFlight).Dispose(); // it started before the DELETE answered: either answer is right

        await (await api.Factory.Client(key).GetAsync("/api/v1/model-runs")).ProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Theory]
    [InlineData("short-admin-key")]
    [InlineData("0123456789abcdef0123456789abcde")]
    public async Task A_bootstrap_admin_key_under_thirty_two_characters_is_refused_at_start(string key)
    {
        await using var misconfigured = new ClvApiFactory().OnDatabaseOf(api.Factory).With("Auth:BootstrapAdminKey", key);
        await misconfigured.InitializeAsync();

        var refused = Assert.ThrowsAny<Exception>(() => misconfigured.Server);

        Assert.Contains("BootstrapAdminKey", refused.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bootstrap_admin_key_of_thirty_two_characters_is_accepted()
    {
        const string key = "0123456789abcdef0123456789abcdef";
        await using var configured = new ClvApiFactory().OnDatabaseOf(api.Factory).With("Auth:BootstrapAdminKey", key);
        await configured.InitializeAsync();

        Assert.Equal(HttpStatusCode.OK, (await configured.Client(key).GetAsync("/api/v1/api-keys")).StatusCode);
    }

    private async Task<(string Id, string Key)> CreateKeyAsync()
    {
        var body = await (await api.Factory.Client().PostAsJsonAsync("/api/v1/api-keys", new { name = "revoked", scopes = new[] { "read" } })).JsonAsync(HttpStatusCode.Created);
        return (body.GetProperty("id").GetString()!, body.GetProperty("key").GetString()!);
    }

    /// <summary>Holds the next key lookup after it has read the key, until released.</summary>
    public sealed class LookupPause : DbCommandInterceptor
    {
        private TaskCompletionSource _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _armed;

        /// <summary>Arms the pause; the task completes when a lookup is held.</summary>
        public Task Arm()
        {
            _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);
            _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
            Volatile.Write(ref _armed, 1);
            return _reached.Task;
        }

        public void Release() => _release.TrySetResult();

        public override async ValueTask<DbDataReader> ReaderExecutedAsync(DbCommand command, CommandExecutedEventData eventData, DbDataReader result, CancellationToken cancellationToken = default)
        {
            if (command.CommandText.Contains("key_hash", StringComparison.Ordinal) && Interlocked.Exchange(ref _armed, 0) == 1)
            {
                _reached.TrySetResult();
                await _release.Task;
            }

            return result;
        }
    }
}
