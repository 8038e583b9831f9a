using System.Buffers;
using Microsoft.Win32.SafeHandles;
using Wrenn.Agent.Protocol.Link;

namespace Wrenn.GuestAgent.Transport;

/// <summary>
/// Writes frames of the agent link on a virtio-serial port, whole and one at a time, for the
/// current session only: once a newer session started, an older one's writes fail before they
/// put anything on the wire.
/// </summary>
internal sealed class PortWriter(SafeFileHandle port)
{
    private readonly Lock _lock = new();
    private readonly byte[] _frame = new byte[LinkFrameHeader.Size + LinkFrameHeader.MaxPayload];
    private ulong _current;

    public LinkEpoch Current => new(Volatile.Read(ref _current));

    /// <summary>From now on only <paramref name="epoch"/> may write.</summary>
    public void Switch(LinkEpoch epoch) => Volatile.Write(ref _current, epoch.Value);

    public bool IsCurrent(LinkEpoch epoch) => Volatile.Read(ref _current) == epoch.Value;

    /// <summary>The session's answer to the host's Hello.</summary>
    public bool Welcome(LinkEpoch epoch)
    {
        lock (_lock)
        {
            return WriteFrame(epoch, LinkFrameKind.Welcome, ReadOnlySequence<byte>.Empty);
        }
    }

    /// <summary>Writes <paramref name="data"/> as Data frames of <paramref name="epoch"/>.</summary>
    public bool Write(LinkEpoch epoch, in ReadOnlySequence<byte> data)
    {
        lock (_lock)
        {
            var rest = data;
            while (!rest.IsEmpty)
            {
                var piece = rest.Slice(0, Math.Min(rest.Length, LinkFrameHeader.MaxPayload));
                if (!WriteFrame(epoch, LinkFrameKind.Data, piece))
                {
                    return false;
                }

                rest = rest.Slice(piece.End);
            }

            return true;
        }
    }

    private bool WriteFrame(LinkEpoch epoch, LinkFrameKind kind, in ReadOnlySequence<byte> payload)
    {
        if (!IsCurrent(epoch))
        {
            return false;
        }

        // One write for header and payload: a syscall costs much more than the copy in a guest.
        new LinkFrameHeader(kind, epoch, (int)payload.Length).Write(_frame);
        payload.CopyTo(_frame.AsSpan(LinkFrameHeader.Size));
        return FdOutput.WriteAll(port, _frame.AsSpan(0, LinkFrameHeader.Size + (int)payload.Length), () => IsCurrent(epoch));
    }
}
