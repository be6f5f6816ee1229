using System.Net;
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
    public sealed class Api() : ConfiguredApi(api => api.With("Database:CommandTimeoutSeconds", "1").With("Database:MaxPoolSize", "3"));

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
    public async Task With_every_connection_of_the_pool_held_a_fourth_read_waits_until_one_is_released()
    {
        var client = api.Factory.Client();
        var holders = new List<AsyncServiceScope>();
        try
        {
            // The three connections of the app's own pool (Database:MaxPoolSize = 3), each held
            // open after a read, as a long read holds one: the pool is full.
            for (var i = 0; i < 3; i++)
            {
                var scope = api.Factory.Services.CreateAsyncScope();
                holders.Add(scope);
                var db = scope.ServiceProvider.GetRequiredService<ClvDbContext>();
                await db.Database.OpenConnectionAsync();
                await db.Database.ExecuteSqlRawAsync("SELECT pg_sleep(0.2)");
            }

            var fourth = client.GetAsync("/api/v1/customers/pool-probe");
            await Task.Delay(TimeSpan.FromSeconds(2));
            Assert.False(fourth.IsCompleted, "The fourth read was served while the pool's three connections were held.");

            await holders[0].DisposeAsync();
            holders.RemoveAt(0);
            var answer = await fourth.WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Equal(HttpStatusCode.NotFound, answer.StatusCode);
        }
        finally
        {
            foreach (var scope in holders)
            {
                await scope.DisposeAsync();
            }
        }
    }
}
