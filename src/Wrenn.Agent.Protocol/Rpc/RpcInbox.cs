using System.Threading.Channels;

namespace Wrenn.Agent.Protocol.Rpc;

/// <summary>
/// The messages one call received and its caller has not taken yet. Filled by the connection's
/// reader, emptied by the caller; taking a message is what hands credit back to the sender.
/// </summary>
internal sealed class RpcInbox(Action<int> grant)
{
    private readonly Channel<byte[]> _messages = Channel.CreateUnbounded<byte[]>(
        new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private long _unconsumed;
    private int _consumedSinceGrant;

    /// <summary>Queues a received message (<paramref name="owned"/>: the payload's own array, kept as is); false if the sender went beyond its credit.</summary>
    public bool Add(ReadOnlySpan<byte> payload, byte[]? owned)
    {
        if (Interlocked.Add(ref _unconsumed, payload.Length) > RpcWindow.Bytes + RpcFrameHeader.MaxPayload)
        {
            return false;
        }

        // After the end (a late message of a cancelled call) it is dropped: nobody will take it.
        _messages.Writer.TryWrite(owned ?? payload.ToArray());
        return true;
    }

    /// <summary>No more messages: the sender half-closed (null), or the call or connection failed.</summary>
    public void Complete(Exception? error = null) => _messages.Writer.TryComplete(error);

    /// <summary>The next message, or null once the sender finished.</summary>
    public async ValueTask<byte[]?> TakeAsync(CancellationToken cancellationToken)
    {
        if (!await _messages.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false) || !_messages.Reader.TryRead(out var message))
        {
            return null;
        }

        Interlocked.Add(ref _unconsumed, -message.Length);
        _consumedSinceGrant += message.Length;
        if (_consumedSinceGrant >= RpcWindow.GrantThreshold)
        {
            grant(_consumedSinceGrant);
            _consumedSinceGrant = 0;
        }

        return message;
    }
}
