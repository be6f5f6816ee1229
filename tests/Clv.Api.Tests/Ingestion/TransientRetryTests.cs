using System.Net;
using System.Net.Http.Json;
using Clv.Api.Tests.Infrastructure;
using Clv.Data;
using Clv.Data.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Microsoft.Extensions.Logging;
using static Clv.Api.Tests.Infrastructure.HttpAssertions;

namespace Clv.Api.Tests.Ingestion;

/// <summary>
/// The retry around write transactions, against real PostgreSQL errors (raised by the test's SQL,
/// or by triggers on the tables an API path writes), with the service's log captured.
/// </summary>
public sealed class TransientRetryTests(TransientRetryTests.Api api) : IClassFixture<TransientRetryTests.Api>
{
    /// <summary>Three attempts (the default is four), a millisecond of backoff, the retry's log captured.</summary>
    public sealed class Api : IAsyncLifetime
    {
        public CapturedLogger<TransientRetry> Log { get; } = new();

        public ClvApiFactory Factory { get; }

        public Api()
        {
            Factory = new ClvApiFactory()
                .With("Database:RetryAttempts", "3")
                .With("Database:RetryBaseDelayMilliseconds", "1")
                .WithServices(services => services.AddSingleton<ILogger<TransientRetry>>(Log));
        }

        public Task InitializeAsync() => Factory.InitializeAsync();

        public Task DisposeAsync() => ((IAsyncLifetime)Factory).DisposeAsync();
    }

    private const string RetryLogged = "Transient database failure";

    [Theory]
    [InlineData("40001", "XRA")]
    [InlineData("40P01", "XRB")]
    public async Task A_transaction_failing_transiently_once_is_rerun_whole_and_stores_its_rows_once(string sqlState, string currency)
    {
        var attempts = await RunAsync(currency, failUntilAttempt: 1, sqlState);

        Assert.Equal(2, attempts);
        Assert.Equal(1, await api.Factory.ScalarAsync<long>($"SELECT count(*) FROM fx_rates WHERE currency = '{currency}'"));
    }

    [Fact]
    public async Task Each_retry_is_logged_as_a_warning_with_its_sqlstate_and_attempt()
    {
        var logged = (await LoggedDuringAsync(() => RunAsync("XRE", failUntilAttempt: 2, "40P01"))).Lines;

        // Attempts 1 and 2 fail and are retried; attempt 3 succeeds and logs nothing.
        Assert.Equal(2, logged.Count);
        Assert.Contains("40P01 on attempt 1 of 3", logged[0], StringComparison.Ordinal);
        Assert.Contains("40P01 on attempt 2 of 3", logged[1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_transaction_that_keeps_failing_gives_up_after_the_attempts_allowed_and_stores_nothing()
    {
        var attempts = 0;
        var e = await Assert.ThrowsAsync<PostgresException>(() => RunAsync("XRC", failUntilAttempt: 99, "40001", a => attempts = a));

        Assert.Equal("40001", e.SqlState);
        Assert.Equal(3, attempts);
        Assert.Equal(0, await api.Factory.ScalarAsync<long>($"SELECT count(*) FROM fx_rates WHERE currency = 'XRC'"));
    }

    [Fact]
    public async Task A_permanent_error_is_not_retried()
    {
        var attempts = 0;
        var e = await Assert.ThrowsAsync<PostgresException>(() => RunAsync("XRD", failUntilAttempt: 99, "23505", a => attempts = a));

        Assert.Equal("23505", e.SqlState);
        Assert.Equal(1, attempts);
    }

    [Fact]
    public async Task A_write_still_failing_after_its_retries_answers_503_problem_and_stores_nothing()
    {
        // Every insert of a CHF rate for 2019-03-07 is a serialization failure, however often it is tried.
        await FailWhereAsync("fx_rates", "INSERT", "NEW.currency = 'CHF' AND NEW.date = DATE '2019-03-07'", "40001");

        var (logged, _) = await LoggedDuringAsync(async () =>
            await (await api.Factory.Client().PostAsJsonAsync("/api/v1/fx-rates", new { rates = new[] { new { date = "2019-03-07", currency = "CHF", rateToReporting = 1.05m } } }))
                .ProblemAsync(HttpStatusCode.ServiceUnavailable));

        Assert.Equal(2, logged.Count); // attempts 1 and 2 retried, attempt 3 gives up
        Assert.Equal(0, await api.Factory.ScalarAsync<long>("SELECT count(*) FROM fx_rates WHERE currency = 'CHF'"));
    }

    [Fact]
    public async Task An_erasure_failing_transiently_once_is_rerun_and_erases_the_customer()
    {
        (await api.Factory.Client().PostTransactionsAsync(Tx("retry-erase-tx1", "retry-erase"))).EnsureSuccessStatusCode();
        // The first delete of the customer is a deadlock; a sequence counts across the rolled-back attempt.
        await api.Factory.ScalarAsync<int>("CREATE SEQUENCE test_erase_attempts; SELECT 1");
        await FailWhereAsync("customers", "DELETE", "OLD.external_id = 'retry-erase' AND nextval('test_erase_attempts') = 1", "40P01");

        var erased = await LoggedDuringAsync(async () => (await (await api.Factory.Client().DeleteAsync("/api/v1/customers/retry-erase")).JsonAsync()).Long("transactions"));

        Assert.Single(erased.Lines);
        Assert.Equal(1, erased.Result);
        Assert.Equal(2, await api.Factory.ScalarAsync<long>("SELECT last_value FROM test_erase_attempts"));
        Assert.Equal(0, await api.Factory.ScalarAsync<long>("SELECT count(*) FROM customers WHERE external_id = 'retry-erase'"));
    }

    // A trigger before each EVENT on TABLE that raises SQLSTATE for the rows where CONDITION holds.
    private Task<int> FailWhereAsync(string table, string @event, string condition, string sqlState) => api.Factory.ScalarAsync<int>($"""
        CREATE FUNCTION test_fail_{table}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF {condition} THEN
                RAISE EXCEPTION 'injected' USING ERRCODE = '{sqlState}';
            END IF;
            RETURN {(@event == "DELETE" ? "OLD" : "NEW")};
        END $$;
        CREATE TRIGGER test_fail_{table} BEFORE {@event} ON {table} FOR EACH ROW EXECUTE FUNCTION test_fail_{table}();
        SELECT 1
        """);

    // The retry warnings logged while WORK ran (tests in a class run one at a time), and its result.
    private async Task<(List<string> Lines, T Result)> LoggedDuringAsync<T>(Func<Task<T>> work)
    {
        var before = api.Log.Entries.Count;
        var result = await work();
        var logged = api.Log.Entries.Skip(before).ToList();
        Assert.All(logged, e => Assert.Equal(LogLevel.Warning, e.Level));
        return (logged.Select(e => e.Message).Where(m => m.StartsWith(RetryLogged, StringComparison.Ordinal)).ToList(), result);
    }

    // Inserts an FX rate row for CURRENCY, then raises SQLSTATE until the given attempt has
    // passed; returns the attempts made. Retried by the service's own policy, which logs.
    private async Task<int> RunAsync(string currency, int failUntilAttempt, string sqlState, Action<int>? onAttempt = null)
    {
        await using var scope = api.Factory.Services.CreateAsyncScope();
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
        }, scope.ServiceProvider.GetRequiredService<TransientRetry>(), CancellationToken.None);
        return attempts;
    }
}
