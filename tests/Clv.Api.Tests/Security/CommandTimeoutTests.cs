using Clv.Api.Tests.Infrastructure;
using Clv.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Clv.Api.Tests.Security;

/// <summary>
/// Database commands, EF's and the raw ones of the bulk paths, stop at Database:CommandTimeoutSeconds;
/// and the connections they run on come from a pool of at most Database:MaxPoolSize.
/// </summary>
public sealed class CommandTimeoutTests(CommandTimeoutTests.Api api) : IClassFixture<CommandTimeoutTests.Api>
{
    public sealed class Api : IAsyncLifetime
    {
        public ClvApiFactory Factory { get; } = new ClvApiFactory().With("Database:CommandTimeoutSeconds", "1").With("Database:MaxPoolSize", "3");

        public Task InitializeAsync() => Factory.InitializeAsync();

        public Task DisposeAsync() => ((IAsyncLifetime)Factory).DisposeAsync();
    }

    [Fact]
    public async Task A_raw_command_on_the_apps_connection_times_out_after_the_setting()
    {
        api.Factory.Client().Dispose(); // starts the host
        await using var scope = api.Factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ClvDbContext>();
        await db.Database.OpenConnectionAsync();
        await using var command = new NpgsqlCommand("SELECT pg_sleep(5)", (NpgsqlConnection)db.Database.GetDbConnection());

        var error = await Assert.ThrowsAnyAsync<NpgsqlException>(() => command.ExecuteNonQueryAsync());

        Assert.IsType<TimeoutException>(error.InnerException);
    }

    [Fact]
    public async Task An_ef_command_times_out_after_the_setting()
    {
        api.Factory.Client().Dispose();
        await using var scope = api.Factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ClvDbContext>();

        var error = await Assert.ThrowsAnyAsync<Exception>(() => db.Database.ExecuteSqlRawAsync("SELECT pg_sleep(5)"));

        Assert.IsType<TimeoutException>(error.GetBaseException());
    }

    [Fact]
    public async Task Connections_come_from_a_pool_of_the_set_size()
    {
        api.Factory.Client().Dispose();
        await using var scope = api.Factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ClvDbContext>();

        // Every connection the service opens, EF's and the raw ones of the loaders, uses this string.
        Assert.Equal(3, new NpgsqlConnectionStringBuilder(db.Database.GetConnectionString()).MaxPoolSize);
    }
}
