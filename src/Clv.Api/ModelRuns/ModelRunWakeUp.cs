using System.Threading.Channels;

namespace Clv.Api.ModelRuns;

/// <summary>
/// Wakes this instance's <see cref="ModelRunWorker"/> when a run is queued through it, so that the
/// run starts at once rather than at the worker's next look at the database. Runs queued through
/// other instances are found by that look; the queue itself is the <c>model_runs</c> table.
/// </summary>
public sealed class ModelRunWakeUp(TimeProvider time)
{
    // One pending wake-up at most: signals while one waits are the same news.
    private readonly Channel<bool> _signal = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    /// <summary>Tells the worker that a run was queued.</summary>
    public void Queued() => _signal.Writer.TryWrite(true);

    /// <summary>Returns when a run was queued since the last wait, or after <paramref name="timeout"/>.</summary>
    public async Task WaitAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var elapsed = new CancellationTokenSource(timeout, time);
        using var either = CancellationTokenSource.CreateLinkedTokenSource(elapsed.Token, cancellationToken);
        try
        {
            await _signal.Reader.ReadAsync(either.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
        }
    }
}
