using System.Buffers;
using Microsoft.Win32.SafeHandles;
using Wrenn.Linux;
using Wrenn.Linux.Io;

namespace Wrenn.GuestAgent.Transport;

/// <summary>A session that owns its connection (vsock): its bytes are written to the fd as they are.</summary>
internal sealed class FdOutput(SafeFileHandle fd) : ISessionOutput
{
    public bool Open() => true;

    public bool Write(in ReadOnlySequence<byte> data)
    {
        foreach (var segment in data)
        {
            if (!WriteAll(fd, segment.Span, stillWanted: static () => true))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Writes all of <paramref name="data"/> to a non-blocking fd, waiting while it is full, as long as <paramref name="stillWanted"/> holds.</summary>
    public static bool WriteAll(SafeFileHandle fd, ReadOnlySpan<byte> data, Func<bool> stillWanted)
    {
        while (!data.IsEmpty)
        {
            var written = FdIo.Write(fd, data);
            if (written > 0)
            {
                data = data[written..];
            }
            else if (written == -Errno.EAGAIN)
            {
                // Nobody is reading on the other end (or nobody is connected): wait, and give up
                // once the bytes are no longer wanted.
                if (!stillWanted())
                {
                    return false;
                }

                FdIo.Poll(fd, FdIo.POLLOUT, 100);
            }
            else if (written != -Errno.EINTR)
            {
                return false;
            }
        }

        return true;
    }
}
