using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Wrenn.Linux.Io;

/// <summary>
/// A kernel event counter (eventfd) that wakes a thread blocked in poll: <see cref="Signal"/> from
/// any thread makes it readable until <see cref="Drain"/>. Non-blocking, so that neither side can
/// ever block on it.
/// </summary>
public sealed partial class EventFd : IDisposable
{
    private const int EFD_CLOEXEC = 0x80000;
    private const int EFD_NONBLOCK = 0x800;

    public EventFd()
    {
        var fd = EventFdNative(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (fd < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw new IOException($"eventfd failed (errno {errno})", errno);
        }

        Handle = new SafeFileHandle(fd, ownsHandle: true);
    }

    /// <summary>The descriptor to poll for <see cref="FdIo.POLLIN"/>.</summary>
    public SafeFileHandle Handle { get; }

    /// <summary>Makes the descriptor readable (adds one to the counter; at its limit it already is).</summary>
    public void Signal()
    {
        Span<byte> one = stackalloc byte[sizeof(ulong)];
        BitConverter.TryWriteBytes(one, 1UL);
        _ = FdIo.Write(Handle, one);
    }

    /// <summary>Resets the counter, so that the descriptor is readable again only after the next <see cref="Signal"/>.</summary>
    public void Drain()
    {
        Span<byte> counter = stackalloc byte[sizeof(ulong)];
        _ = FdIo.Read(Handle, counter);
    }

    public void Dispose() => Handle.Dispose();

    [LibraryImport("libc", EntryPoint = "eventfd", SetLastError = true)]
    private static partial int EventFdNative(uint initial, int flags);
}
