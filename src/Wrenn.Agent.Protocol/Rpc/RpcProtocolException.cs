namespace Wrenn.Agent.Protocol.Rpc;

/// <summary>The peer sent something the protocol does not allow; the connection ends.</summary>
public sealed class RpcProtocolException(string message) : IOException(message);
