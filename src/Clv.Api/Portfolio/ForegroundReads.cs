using Npgsql;

namespace Clv.Api.Portfolio;

/// <summary>
/// The analytics computations that requests wait for, and the background work that gives way to
/// them (<see cref="GiveWayAsync"/>): the refresher's ranking of every customer and the group
/// rollup's folding. Such work starts only once no request has waited for a computation for
/// <see cref="Quiet"/>; a request's computation that begins while it runs cancels it, and it starts
/// again once requests are quiet again. After its patience it runs to its end whatever requests
/// come, so under steady reads it is late by at most that much. On two cores a ranking of the
/// current state at CDNOW ×40 (2 s of one core) beside the dashboard's first reads after an import
/// doubled the time of those that read every customer (docs/benchmarks.md).
/// </summary>
public sealed class ForegroundReads(TimeProvider time)
{
    /// <summary>How long no request must have waited for a computation before background work starts.</summary>
    public static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(500);

    // How often waiting background work looks whether requests are quiet.
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(50);

    private readonly object _gate = new();

    // The background work under way that gives way: cancelled when a request's computation begins.
    private readonly HashSet<CancellationTokenSource> _givingWay = [];
    private int _inFlight;
    private long? _lastEnded;

    /// <summary>Marks a computation a request waits for, until the result is disposed; background work under way gives way.</summary>
    public IDisposable Begin()
    {
        CancellationTokenSource[] cancelled;
        lock (_gate)
        {
            _inFlight++;
            cancelled = [.. _givingWay];
            _givingWay.Clear();
        }

        foreach (var source in cancelled)
        {
            source.Cancel();
        }

        return new Read(this);
    }

    /// <summary>
    /// Runs <paramref name="work"/> once requests are quiet, again each time a request's
    /// computation cancels it, and once <paramref name="patience"/> has passed without giving way.
    /// </summary>
    /// <param name="work">The work; it must stop on its token and leave nothing half done.</param>
    /// <param name="patience">How long from now the work may be put off.</param>
    /// <param name="ct">Stops the work and the waiting.</param>
    public async Task GiveWayAsync(Func<CancellationToken, Task> work, TimeSpan patience, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(work);
        var started = time.GetTimestamp();
        while (true)
        {
            while (!IsQuiet() && time.GetElapsedTime(started) < patience)
            {
                await Task.Delay(Poll, time, ct);
            }

            if (time.GetElapsedTime(started) >= patience)
            {
                await work(ct);
                return;
            }

            // Quiet is checked again under the lock that registers the work: a request's computation
            // that began and ended since the check above must hold it back as one still running does.
            using var givingWay = CancellationTokenSource.CreateLinkedTokenSource(ct);
            lock (_gate)
            {
                if (!IsQuietLocked())
                {
                    continue;
                }

                _givingWay.Add(givingWay);
            }

            try
            {
                await work(givingWay.Token);
                return;
            }
            catch (Exception e) when (e is OperationCanceledException or NpgsqlException && givingWay.IsCancellationRequested && !ct.IsCancellationRequested)
            {
                // A request's computation began and cancelled it: wait for quiet again.
            }
            finally
            {
                lock (_gate)
                {
                    _givingWay.Remove(givingWay);
                }
            }
        }
    }

    private bool IsQuiet()
    {
        lock (_gate)
        {
            return IsQuietLocked();
        }
    }

    // Under _gate.
    private bool IsQuietLocked() => _inFlight == 0 && (_lastEnded is not { } ended || time.GetElapsedTime(ended) >= Quiet);

    private void End()
    {
        lock (_gate)
        {
            _inFlight--;
            _lastEnded = time.GetTimestamp();
        }
    }

    private sealed class Read(ForegroundReads reads) : IDisposable
    {
        private int _ended;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _ended, 1) == 0)
            {
                reads.End();
            }
        }
    }
}
