using Clv.Api.Tests.Infrastructure;
using Clv.Data;
using Clv.Data.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Clv.Api.Tests.Ingestion;

/// <summary>The retry around write transactions, against real PostgreSQL errors.</summary>
public sealed class TransientRetryTests(ClvApiFactory api) : IClassFixture<ClvApiFactory>
{
    private static readonly TransientRetry ThreeAttempts = new(new TransientRetrySettings(3, TimeSpan.FromMilliseconds(1)), NullLogger<TransientRetry>.Instance, TimeProvider.System);

    [Theory]
    [InlineData("40001", "XRA")]
    [InlineData("40P01", "XRB")]
    public async Task A_transaction_failing_transiently_once_is_rerun_whole_and_stores_its_rows_once(string sqlState, string currency)
    {
        var attempts = await RunAsync(currency, failUntilAttempt: 1, sqlState);

        Assert.Equal(2, attempts);
        Assert.Equal(1, await api.ScalarAsync<long>($"SELECT count(*) FROM fx_rates WHERE currency = '{currency}'"));
    }

    [Fact]
    public async Task A_transaction_that_keeps_failing_gives_up_after_the_attempts_allowed_and_stores_nothing()
    {
        var attempts = 0;
        var e = await Assert.ThrowsAsync<PostgresException>(() => RunAsync("XRC", failUntilAttempt: 99, "40001", a => attempts = a));

        Assert.Equal("40001", e.SqlState);
        Assert.Equal(3, attempts);
        Assert.Equal(0, await api.ScalarAsync<long>($"SELECT count(*) FROM fx_rates WHERE currency = 'XRC'"));
    }

    [Fact]
    public async Task A_permanent_error_is_not_retried()
    {
        var attempts = 0;
        var e = await Assert.ThrowsAsync<PostgresException>(() => RunAsync("XRD", failUntilAttempt: 99, "23505", a => attempts = a));

        Assert.Equal("23505", e.SqlState);
        Assert.Equal(1, attempts);
    }

    // Inserts an FX rate row for CURRENCY, then raises SQLSTATE until the given attempt has
    // passed; returns the attempts made.
    private async Task<int> RunAsync(string currency, int failUntilAttempt, string sqlState, Action<int>? onAttempt = null)
    {
        await using var scope = api.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ClvDbContext>();
        var attempts = 0;
        await db.InTransactionAsync(async (connection, ct) =>
        {
            attempts++;
            onAttempt?.Invoke(attempts);
            await connection.ExecuteAsync($"INSERT INTO fx_rates (currency, date, rate_to_reporting, created_at, updated_at) VALUES ('{currency}', '2024-01-01', 1, now(), now())", ct);
            if (attempts <= failUntilAttempt)
            {
                await connection.ExecuteAsync($"DO $$ BEGIN RAISE EXCEPTION 'injected' USING ERRCODE = '{sqlState}'; END $$", ct);
            }

            return attempts;
        }, ThreeAttempts, CancellationToken.None);
        return attempts;
    }
}
