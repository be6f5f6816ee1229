using Clv.Api.Portfolio;
using Clv.Api.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Npgsql;
using static Clv.Api.Tests.Infrastructure.HttpAssertions;

namespace Clv.Api.Tests.Portfolio;

/// <summary>
/// Background work that reads every customer gives way to the computations requests wait for
/// (<see cref="ForegroundReads"/>), on a clock the test moves: it waits until no request has waited
/// for <see cref="ForegroundReads.Quiet"/>, a request's computation cancels it and it starts again
/// once requests are quiet again, and after its patience it runs whatever requests come.
/// </summary>
public sealed class ForegroundReadsTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private readonly FakeTimeProvider _clock = new();
    private readonly ForegroundReads _reads;

    public ForegroundReadsTests() => _reads = new ForegroundReads(_clock);

    [Fact]
    public async Task Work_runs_at_once_when_no_request_has_waited()
    {
        var ran = false;
        await _reads.GiveWayAsync(
            _ =>
            {
                ran = true;
                return Task.CompletedTask;
            },
            Patience,
            CancellationToken.None);
        Assert.True(ran);
    }

    [Fact]
    public async Task A_request_cancels_the_work_under_way_which_starts_again_once_requests_have_been_quiet()
    {
        var attempts = 0;
        var run = _reads.GiveWayAsync(
            async ct =>
            {
                var attempt = Interlocked.Increment(ref attempts);
                if (attempt == 1)
                {
                    await Task.Delay(Timeout.Infinite, ct);
                }
            },
            Patience,
            CancellationToken.None);
        await UntilAsync(() => Volatile.Read(ref attempts) == 1);

        var read = _reads.Begin();
        _clock.Advance(TimeSpan.FromSeconds(2));
        await SettleAsync();
        Assert.Equal(1, Volatile.Read(ref attempts));
        Assert.False(run.IsCompleted);

        read.Dispose();
        _clock.Advance(ForegroundReads.Quiet - TimeSpan.FromMilliseconds(100));
        await SettleAsync();
        Assert.Equal(1, Volatile.Read(ref attempts));

        _clock.Advance(TimeSpan.FromMilliseconds(100));
        await UntilAsync(() => run.IsCompleted, advance: true);
        await run;
        Assert.Equal(2, Volatile.Read(ref attempts));
    }

    [Fact]
    public async Task After_its_patience_the_work_runs_to_its_end_whatever_requests_come()
    {
        using var steady = _reads.Begin();
        var release = new TaskCompletionSource();
        var started = 0;
        CancellationToken given = default;
        var run = _reads.GiveWayAsync(
            ct =>
            {
                given = ct;
                Volatile.Write(ref started, 1);
                return release.Task;
            },
            Patience,
            CancellationToken.None);

        _clock.Advance(Patience - TimeSpan.FromSeconds(1));
        await SettleAsync();
        Assert.Equal(0, Volatile.Read(ref started));

        _clock.Advance(TimeSpan.FromSeconds(1));
        await UntilAsync(() => Volatile.Read(ref started) == 1, advance: true);
        using (_reads.Begin())
        {
            Assert.False(given.IsCancellationRequested);
        }

        Assert.False(run.IsCompleted);
        release.SetResult();
        await run;
    }

    [Fact]
    public async Task The_callers_token_stops_the_waiting()
    {
        using var steady = _reads.Begin();
        using var stopping = new CancellationTokenSource();
        var run = _reads.GiveWayAsync(_ => Task.CompletedTask, Patience, stopping.Token);

        await stopping.CancelAsync();
        _clock.Advance(TimeSpan.FromMilliseconds(100));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
    }

    // Lets the waiting work look at the clock it was given (no assertion rests on the delay's length:
    // the work moves only with the fake clock).
    private static Task SettleAsync() => Task.Delay(100);

    private async Task UntilAsync(Func<bool> condition, bool advance = false)
    {
        for (var i = 0; i < 500 && !condition(); i++)
        {
            if (advance)
            {
                // The waiting work polls the clock: move it a poll at a time.
                _clock.Advance(TimeSpan.FromMilliseconds(50));
            }

            await Task.Delay(10);
        }

        Assert.True(condition());
    }
}

/// <summary>
/// A request that waits for an analytics computation holds background work back for as long as
/// the computation runs (<see cref="AnalyticsAnswers"/> marks it with <see cref="ForegroundReads.Begin"/>).
/// The computation is held by a lock on the tables it reads, taken by another session.
/// </summary>
public sealed class RequestComputationsTests(ClvApiFactory api) : IClassFixture<ClvApiFactory>
{
    [Fact]
    public async Task Background_work_waits_while_a_request_waits_for_its_computation()
    {
        var client = api.Client();
        (await client.PostTransactionsAsync(Tx("h1", "H1", amount: 10m), Tx("h2", "H2", amount: 20m))).EnsureSuccessStatusCode();
        await using var holder = new NpgsqlConnection(api.ConnectionString);
        await holder.OpenAsync();
        await using var transaction = await holder.BeginTransactionAsync();
        await using (var hold = new NpgsqlCommand("LOCK TABLE customers, customer_summaries, customer_days IN ACCESS EXCLUSIVE MODE", holder, transaction))
        {
            await hold.ExecuteNonQueryAsync();
        }

        // A question not asked before: the request waits for its computation.
        var request = client.GetAsync("/api/v1/metrics/summary?asOf=2024-01-20");
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.False(request.IsCompleted);

        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var work = api.Services.GetRequiredService<ForegroundReads>().GiveWayAsync(
            _ =>
            {
                started.TrySetResult();
                return Task.CompletedTask;
            },
            TimeSpan.FromMinutes(1),
            CancellationToken.None);
        await Task.Delay(ForegroundReads.Quiet * 3);
        Assert.False(started.Task.IsCompleted);

        await transaction.RollbackAsync();
        (await request).EnsureSuccessStatusCode();
        await started.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await work;
    }
}
