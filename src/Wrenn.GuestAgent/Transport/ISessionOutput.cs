using System.Buffers;

namespace Wrenn.GuestAgent.Transport;

/// <summary>Where one host session's bytes go: its own vsock connection, or frames on the shared virtio port.</summary>
internal interface ISessionOutput
{
    /// <summary>Tells the host the session is being served, where the link has that step; false if it can no longer be.</summary>
    bool Open();

    /// <summary>Writes all of <paramref name="data"/>; false once the session can write no more (gone or replaced).</summary>
    bool Write(in ReadOnlySequence<byte> data);
}
