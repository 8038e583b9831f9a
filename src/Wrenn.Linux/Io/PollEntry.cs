using System.Runtime.InteropServices;

namespace Wrenn.Linux.Io;

/// <summary>One descriptor of a <see cref="FdIo.Poll(Span{PollEntry}, int)"/> call (struct pollfd).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct PollEntry
{
    public int Fd;
    public short Events;
    public short Revents;
}
