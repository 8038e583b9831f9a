using System.Buffers;
using Wrenn.Agent.Protocol.Rpc;

namespace Wrenn.GuestAgent.Transport;

/// <summary>
/// One host session: the agent RPC server's connection over it. Bytes from the host are pushed in
/// by the thread that owns the link's read side (<see cref="Deliver"/>); frames the calls send go
/// straight to the session's <see cref="ISessionOutput"/>.
/// </summary>
internal sealed class HostSession
{
    private readonly RpcServerConnection _connection;

    public HostSession(ISessionOutput output, string id, AgentRpc rpc)
    {
        Id = id;
        _connection = rpc.Connect(new Output(output));
    }

    public string Id { get; }

    /// <summary>Hands host bytes to the RPC server. Returns false once the session has ended.</summary>
    public bool Deliver(ReadOnlySpan<byte> data)
    {
        _connection.Feed(data);
        return !_connection.IsClosed;
    }

    /// <summary>The host went away, or a newer session replaced this one: every call of the session ends.</summary>
    public void End(string reason) => _connection.Close(new IOException(reason));

    private sealed class Output(ISessionOutput output) : IRpcOutput
    {
        public ValueTask WriteAsync(ReadOnlyMemory<byte> frames, CancellationToken cancellationToken) =>
            output.Write(new ReadOnlySequence<byte>(frames))
                ? ValueTask.CompletedTask
                : ValueTask.FromException(new IOException("the session ended"));
    }
}
