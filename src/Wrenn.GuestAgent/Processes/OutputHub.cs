using System.Threading.Channels;
using Wrenn.Agent.Protocol;

namespace Wrenn.GuestAgent.Processes;

/// <summary>
/// Fans a process's output out to its primary consumer, its observers and a replay buffer.
/// The primary consumer (the call that started the process, or the PTY connection in control)
/// gets back-pressure: <see cref="Publish"/> blocks the pump thread until the consumer has room,
/// so the pipe fills and the process slows down; nothing is dropped. Without a primary consumer
/// the output goes only to observers and the replay buffer, and the process runs freely.
/// </summary>
internal sealed class OutputHub(int replayBytes)
{
    private const int PrimaryQueueChunks = 16;

    private readonly Lock _sync = new();
    private readonly ReplayBuffer _replay = new(replayBytes);
    private readonly List<OutputObserver> _observers = [];
    private Channel<OutputEvent>? _primary;
    private OutputEvent? _exit;

    /// <summary>
    /// Makes a new primary consumer. A previous one is ended with "attached_elsewhere" (a PTY
    /// taken over by another connection).
    /// </summary>
    /// <param name="replay">Whether the lease's backlog holds the retained output.</param>
    public PrimaryLease AttachPrimary(bool replay)
    {
        var channel = Channel.CreateBounded<OutputEvent>(new BoundedChannelOptions(PrimaryQueueChunks)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        lock (_sync)
        {
            _primary?.Writer.TryComplete(AgentErrors.Exception(AgentErrorCode.AttachedElsewhere, "another connection took over"));
            _primary = channel;
            var backlog = replay ? _replay.Snapshot() : [];
            if (_exit is { } exit)
            {
                backlog = [.. backlog, exit];
                channel.Writer.TryComplete();
            }

            return new PrimaryLease(backlog, channel.Reader);
        }
    }

    /// <summary>Drops the primary consumer if <paramref name="lease"/> still holds that role.</summary>
    public void DetachPrimary(PrimaryLease lease)
    {
        ArgumentNullException.ThrowIfNull(lease);
        lock (_sync)
        {
            if (_primary is { } primary && ReferenceEquals(primary.Reader, lease.Events))
            {
                primary.Writer.TryComplete();
                _primary = null;
            }
        }
    }

    /// <summary>Adds an observer, which first receives the retained output.</summary>
    public OutputObserver Observe()
    {
        var observer = new OutputObserver();
        lock (_sync)
        {
            foreach (var item in _replay.Snapshot())
            {
                observer.Offer(item);
            }

            if (_exit is { } exit)
            {
                observer.Offer(exit);
                observer.Complete();
            }
            else
            {
                _observers.Add(observer);
            }
        }

        return observer;
    }

    public void Unobserve(OutputObserver observer)
    {
        lock (_sync)
        {
            _observers.Remove(observer);
        }
    }

    /// <summary>Called from a pump thread; blocks while the primary consumer is full.</summary>
    public void Publish(OutputEvent item)
    {
        Channel<OutputEvent>? primary;
        lock (_sync)
        {
            _replay.Add(item);
            _observers.RemoveAll(observer => !observer.Offer(item));
            primary = _primary;
        }

        if (primary is not null)
        {
            WriteBlocking(primary.Writer, item);
        }
    }

    /// <summary>Delivers the exit, after all output, to every consumer and ends them.</summary>
    public void Complete(OutputEvent exit)
    {
        Channel<OutputEvent>? primary;
        lock (_sync)
        {
            _exit = exit;
            foreach (var observer in _observers)
            {
                observer.Offer(exit);
                observer.Complete();
            }

            _observers.Clear();
            primary = _primary;
        }

        if (primary is not null)
        {
            WriteBlocking(primary.Writer, exit);
            primary.Writer.TryComplete();
        }
    }

    private static void WriteBlocking(ChannelWriter<OutputEvent> writer, OutputEvent item)
    {
        while (!writer.TryWrite(item))
        {
            // False once the consumer is gone (completed): its share of the output is then only in
            // the replay buffer, as for any detached process.
            if (!writer.WaitToWriteAsync().AsTask().GetAwaiter().GetResult())
            {
                return;
            }
        }
    }
}
