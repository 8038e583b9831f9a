using Google.Protobuf;
using Wrenn.Agent.Protocol;

namespace Wrenn.GuestAgent.Processes;

/// <summary>One item of a process's event sequence: a chunk of output, or (last) its exit.</summary>
internal readonly record struct OutputEvent(OutputStream Stream, ByteString Data, Exited? Exited)
{
    public static OutputEvent Exit(Exited exited) => new(OutputStream.Unspecified, ByteString.Empty, exited);
}
