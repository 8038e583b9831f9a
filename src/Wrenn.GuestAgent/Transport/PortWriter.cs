using System.Buffers;
using Microsoft.Win32.SafeHandles;
using Wrenn.Agent.Protocol.Link;
using Wrenn.Linux;
using Wrenn.Linux.Io;

namespace Wrenn.GuestAgent.Transport;

/// <summary>
/// Writes frames of the agent link on a virtio-serial port, whole and one at a time, for the
/// current session only: once a newer session started, an older one's writes fail before they
/// put anything on the wire.
/// </summary>
internal sealed class PortWriter(SafeFileHandle port)
{
    private readonly Lock _lock = new();
    private readonly byte[] _header = new byte[LinkFrameHeader.Size];
    private ulong _current;

    public LinkEpoch Current => new(Volatile.Read(ref _current));

    /// <summary>From now on only <paramref name="epoch"/> may write.</summary>
    public void Switch(LinkEpoch epoch) => Volatile.Write(ref _current, epoch.Value);

    public bool IsCurrent(LinkEpoch epoch) => Volatile.Read(ref _current) == epoch.Value;

    /// <summary>
    /// Tells the host the port is open (<see cref="LinkFrameKind.Ready"/>, under an epoch of the
    /// agent's own): a Hello the host sent earlier never reached the agent.
    /// </summary>
    public void Ready(Func<bool> stillWanted)
    {
        lock (_lock)
        {
            new LinkFrameHeader(LinkFrameKind.Ready, LinkEpoch.New(), 0).Write(_header);
            WriteAll(_header, [], stillWanted);
        }
    }

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

        // One writev for header and payload: a syscall is dear in a guest, and so is copying the
        // payload beside its header (emulated memory bandwidth is a few hundred MB/s).
        new LinkFrameHeader(kind, epoch, (int)payload.Length).Write(_header);
        var body = payload.IsSingleSegment ? payload.FirstSpan : payload.ToArray();
        return WriteAll(_header, body, () => IsCurrent(epoch));
    }

    /// <summary>Writes all of head then body, waiting while the port is full, as long as <paramref name="stillWanted"/> holds.</summary>
    private bool WriteAll(ReadOnlySpan<byte> head, ReadOnlySpan<byte> body, Func<bool> stillWanted)
    {
        while (!head.IsEmpty)
        {
            var written = FdIo.WriteGathered(port, head, body);
            if (written >= 0)
            {
                var fromHead = Math.Min(written, head.Length);
                head = head[fromHead..];
                body = body[(written - fromHead)..];
                continue;
            }

            if (written != -Errno.EAGAIN && written != -Errno.EINTR)
            {
                return false;
            }

            if (written == -Errno.EAGAIN)
            {
                if (!stillWanted())
                {
                    return false;
                }

                FdIo.Poll(port, FdIo.POLLOUT, 100);
            }
        }

        return FdOutput.WriteAll(port, body, stillWanted);
    }
}
