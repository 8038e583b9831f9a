using Grpc.Core;

namespace Wrenn.Agent.Protocol.Rpc;

/// <summary>One call as its client connection tracks it: received messages, send credit, and how it ended.</summary>
internal sealed class RpcClientStream
{
    private readonly TaskCompletionSource<(Status Status, Metadata Trailers)> _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public RpcClientStream(RpcClientConnection connection, uint id)
    {
        Connection = connection;
        Id = id;
        Inbox = new RpcInbox(bytes => connection.Post(new RpcFrames().AddCredit(id, bytes)));
    }

    public RpcClientConnection Connection { get; }

    public uint Id { get; }

    public RpcInbox Inbox { get; }

    public RpcCredit Credit { get; } = new();

    /// <summary>The call's status and trailers, once it ended (the server's Status, a cancel, or the link's end).</summary>
    public Task<(Status Status, Metadata Trailers)> Ended => _ended.Task;

    public bool HasEnded => _ended.Task.IsCompleted;

    /// <summary>Records how the call ended (the first ending wins) and wakes every reader and writer.</summary>
    public bool End(Status status, Metadata trailers)
    {
        if (!_ended.TrySetResult((status, trailers)))
        {
            return false;
        }

        Connection.Forget(this);
        // Readers still take what arrived before the end, then see it.
        Inbox.Complete();
        Credit.Fail(status.StatusCode == StatusCode.OK
            ? new InvalidOperationException("the call is complete")
            : new RpcException(status, trailers));
        return true;
    }
}
