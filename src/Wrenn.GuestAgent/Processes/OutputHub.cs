using System.Threading.Channels;
using Grpc.Core;
using Wrenn.Agent.Protocol;

namespace Wrenn.GuestAgent.Processes;

/// <summary>
/// Fans a process's output out to its primary consumer, its observers and a replay buffer.
/// The primary consumer (the call that started the process, or the PTY connection in control)
/// gets back-pressure: while it has no room, <see cref="Publish"/> hands back the delivery still
/// to come, and the output poller reads no more of that process until it is done, so the pipe
/// fills and the process slows down; nothing is dropped. Without a primary consumer the output
/// goes only to observers and the replay buffer, and the process runs freely.
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

    /// <summary>Adds an observer, which first receives the retained output when <paramref name="replay"/> is set.</summary>
    public OutputObserver Observe(bool replay = true)
    {
        var observer = new OutputObserver();
        lock (_sync)
        {
            foreach (var item in replay ? _replay.Snapshot() : [])
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

    /// <summary>
    /// Records <paramref name="item"/> for observers and the replay buffer and gives it to the
    /// primary consumer: null once it has it (or there is none), else the delivery still to come,
    /// which ends when the consumer took it or left.
    /// </summary>
    public Task? Publish(OutputEvent item)
    {
        ChannelWriter<OutputEvent>? primary;
        lock (_sync)
        {
            _replay.Add(item);
            _observers.RemoveAll(observer => !observer.Offer(item));
            primary = _primary?.Writer;
        }

        return primary is null || primary.TryWrite(item) ? null : DeliverAsync(primary, item);
    }

    /// <summary>Delivers the exit, after all output, to every consumer and ends them.</summary>
    public async Task CompleteAsync(OutputEvent exit)
    {
        ChannelWriter<OutputEvent>? primary;
        lock (_sync)
        {
            _exit = exit;
            foreach (var observer in _observers)
            {
                observer.Offer(exit);
                observer.Complete();
            }

            _observers.Clear();
            primary = _primary?.Writer;
        }

        if (primary is not null)
        {
            if (!primary.TryWrite(exit))
            {
                await DeliverAsync(primary, exit).ConfigureAwait(false);
            }

            primary.TryComplete();
        }
    }

    private static async Task DeliverAsync(ChannelWriter<OutputEvent> writer, OutputEvent item)
    {
        try
        {
            // False once the consumer is gone (completed): its share of the output is then only in
            // the replay buffer, as for any detached process.
            while (await writer.WaitToWriteAsync().ConfigureAwait(false))
            {
                if (writer.TryWrite(item))
                {
                    return;
                }
            }
        }
        catch (RpcException)
        {
            // Ended by another connection taking over (attached_elsewhere): the same as gone.
        }
    }
}
