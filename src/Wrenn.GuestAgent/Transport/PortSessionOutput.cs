using System.Buffers;
using Wrenn.Agent.Protocol.Link;

namespace Wrenn.GuestAgent.Transport;

/// <summary>One host session's output on the shared virtio-serial port: frames of its epoch.</summary>
internal sealed class PortSessionOutput(PortWriter writer, LinkEpoch epoch) : ISessionOutput
{
    public bool Open() => writer.Welcome(epoch);

    public bool Write(in ReadOnlySequence<byte> data) => writer.Write(epoch, data);
}
