using Clv.Api.Tests.Infrastructure;
using Clv.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Clv.Api.Tests.Scale;

/// <summary>
/// Clv's connections run without PostgreSQL's JIT compilation, which took longer than the statements it
/// compiled (ClvDbContext.WithoutJit), unless the connection string sets it.
/// </summary>
public sealed class JitOffTests(ClvApiFactory api) : IClassFixture<ClvApiFactory>
{
    [Fact]
    public async Task The_apps_connections_and_the_raw_ones_made_from_its_connection_string_run_without_jit()
    {
        api.Client().Dispose(); // starts the host
        await using var scope = api.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ClvDbContext>();
        await db.Database.OpenConnectionAsync();
        await using var raw = new NpgsqlConnection(db.Database.GetConnectionString());
        await raw.OpenAsync();

        Assert.Equal("off", await JitAsync((NpgsqlConnection)db.Database.GetDbConnection()));
        Assert.Equal("off", await JitAsync(raw));
    }

    [Theory]
    [InlineData(null, "-c jit=off")]
    [InlineData("", "-c jit=off")]
    [InlineData("-c search_path=clv", "-c search_path=clv -c jit=off")]
    [InlineData("-c jit=on", "-c jit=on")]
    [InlineData("-c search_path=clv --jit=on", "-c search_path=clv --jit=on")]
    [InlineData("-c jit_above_cost=10", "-c jit_above_cost=10 -c jit=off")]
    public void A_connection_string_that_sets_jit_keeps_its_setting(string? options, string expected) =>
        Assert.Equal(expected, ClvDbContext.WithoutJit(options));

    private static async Task<string?> JitAsync(NpgsqlConnection connection)
    {
        await using var command = new NpgsqlCommand("SHOW jit", connection);
        return (string?)await command.ExecuteScalarAsync();
    }
}
