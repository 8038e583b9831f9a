using System.Threading.Channels;
using Wrenn.Agent.Protocol;

namespace Wrenn.GuestAgent.Processes;

/// <summary>
/// A non-blocking consumer of a process's output (Attach). It never slows the process: when it
/// falls more than <see cref="MaxBehindBytes"/> behind, it is ended with "observer_lagged".
/// </summary>
internal sealed class OutputObserver
{
    public const int MaxBehindBytes = 8 * 1024 * 1024;

    private readonly Channel<OutputEvent> _events = Channel.CreateUnbounded<OutputEvent>(new UnboundedChannelOptions { SingleReader = true });
    private long _queuedBytes;

    public bool Offer(OutputEvent item)
    {
        if (Interlocked.Add(ref _queuedBytes, item.Data.Length) > MaxBehindBytes)
        {
            _events.Writer.TryComplete(AgentErrors.Exception(AgentErrorCode.ObserverLagged, "observer fell behind the process output"));
            return false;
        }

        return _events.Writer.TryWrite(item);
    }

    public void Complete() => _events.Writer.TryComplete();

    public async IAsyncEnumerable<OutputEvent> ReadAllAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var item in _events.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            Interlocked.Add(ref _queuedBytes, -item.Data.Length);
            yield return item;
        }
    }
}
