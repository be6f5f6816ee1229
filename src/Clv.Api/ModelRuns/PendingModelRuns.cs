using System.Threading.Channels;

namespace Clv.Api.ModelRuns;

/// <summary>
/// Runs wait here for the single background runner: only one run executes at a time, and a
/// request made while one is running queues behind it (it does not get 409).
/// </summary>
public sealed class PendingModelRuns
{
    private readonly Channel<Guid> _runs = Channel.CreateUnbounded<Guid>(new UnboundedChannelOptions { SingleReader = true });

    /// <summary>Queues a run that is stored with status queued.</summary>
    public void Enqueue(Guid runId) => _runs.Writer.TryWrite(runId);

    /// <summary>The queued runs, in order, as they come.</summary>
    public IAsyncEnumerable<Guid> ReadAllAsync(CancellationToken cancellationToken) => _runs.Reader.ReadAllAsync(cancellationToken);
}
