namespace Wrenn.Agent.Protocol.Rpc;

/// <summary>Where a connection's frames go: the host's link stream, or the guest's session on the port.</summary>
public interface IRpcOutput
{
    /// <summary>Writes whole frames, in order; fails (IOException) once the connection is gone.</summary>
    ValueTask WriteAsync(ReadOnlyMemory<byte> frames, CancellationToken cancellationToken);
}
