namespace Wrenn.Agent.Protocol.Rpc;

/// <summary>What one frame of the agent RPC carries (docs/guest-agent-protocol.md).</summary>
public enum RpcFrameKind : byte
{
    /// <summary>Client → server: opens the stream's call; payload <see cref="RpcCall"/>.</summary>
    Call = 1,

    /// <summary>Either way: one message of the call, serialized as the method's marshaller does.</summary>
    Message = 2,

    /// <summary>Client → server: the client sends no more messages.</summary>
    HalfClose = 3,

    /// <summary>Client → server: the client gave up on the call; the server stops it.</summary>
    Cancel = 4,

    /// <summary>Server → client: the call ended; payload <see cref="RpcStatus"/>.</summary>
    Status = 5,

    /// <summary>Either way: the receiver took this many more message bytes (u32); the sender may send them.</summary>
    Credit = 6,

    /// <summary>Client → server on stream 0: are you there? The payload comes back in a Pong.</summary>
    Ping = 7,

    /// <summary>Server → client on stream 0: the answer to a Ping.</summary>
    Pong = 8,
}
