using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Wrenn.Linux.Io;

/// <summary>
/// Non-blocking reads and writes on character devices and sockets that .NET's streams cannot
/// drive: a virtio-serial port reports "host not connected" as a zero-length read and would block
/// writes indefinitely, so callers poll with timeouts and check their own cancellation in between.
/// </summary>
public static partial class FdIo
{
    // fcntl.h
    public const int O_RDWR = 0x2;
    public const int O_NONBLOCK = 0x800;
    public const int O_CLOEXEC = 0x80000;
    public const int O_NOCTTY = 0x100;

    // poll.h
    public const short POLLIN = 0x1;
    public const short POLLOUT = 0x4;
    public const short POLLERR = 0x8;
    public const short POLLHUP = 0x10;
    public const short POLLNVAL = 0x20;

    /// <summary>Opens <paramref name="path"/>; the handle closes the fd.</summary>
    public static SafeFileHandle Open(string path, int flags)
    {
        var fd = OpenNative(path, flags | O_CLOEXEC, 0);
        if (fd < 0)
        {
            throw new IOException($"open failed (errno {Marshal.GetLastPInvokeError()})", Marshal.GetLastPInvokeError());
        }

        return new SafeFileHandle(fd, ownsHandle: true);
    }

    /// <summary>Reads into <paramref name="buffer"/>: the byte count, 0 at end of stream, or -errno.</summary>
    public static int Read(SafeHandle handle, Span<byte> buffer)
    {
        var added = false;
        handle.DangerousAddRef(ref added);
        try
        {
            unsafe
            {
                // SAFETY: the buffer is pinned for the duration of the call and its length bounds the
                // kernel's write; the fd stays open because of the AddRef above.
                fixed (byte* pointer = buffer)
                {
                    var result = ReadNative((int)handle.DangerousGetHandle(), pointer, (nuint)buffer.Length);
                    return result >= 0 ? (int)result : -Marshal.GetLastPInvokeError();
                }
            }
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    /// <summary>Writes from <paramref name="buffer"/>: the byte count written, or -errno.</summary>
    public static int Write(SafeHandle handle, ReadOnlySpan<byte> buffer)
    {
        var added = false;
        handle.DangerousAddRef(ref added);
        try
        {
            unsafe
            {
                // SAFETY: the buffer is pinned for the duration of the call and the kernel only reads
                // buffer.Length bytes from it; the fd stays open because of the AddRef above.
                fixed (byte* pointer = buffer)
                {
                    var result = WriteNative((int)handle.DangerousGetHandle(), pointer, (nuint)buffer.Length);
                    return result >= 0 ? (int)result : -Marshal.GetLastPInvokeError();
                }
            }
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    /// <summary>
    /// Writes <paramref name="head"/> then <paramref name="body"/> in one call (writev), so a frame
    /// and its header need not be copied together first: the byte count written, or -errno.
    /// </summary>
    public static int WriteGathered(SafeHandle handle, ReadOnlySpan<byte> head, ReadOnlySpan<byte> body)
    {
        var added = false;
        handle.DangerousAddRef(ref added);
        try
        {
            unsafe
            {
                // SAFETY: both buffers are pinned for the duration of the call, each iovec names
                // exactly its span's bytes, and the kernel only reads them; the fd stays open because
                // of the AddRef above.
                fixed (byte* headPointer = head)
                fixed (byte* bodyPointer = body)
                {
                    var vectors = stackalloc IoVec[2];
                    vectors[0] = new IoVec { Base = headPointer, Length = (nuint)head.Length };
                    vectors[1] = new IoVec { Base = bodyPointer, Length = (nuint)body.Length };
                    var result = WritevNative((int)handle.DangerousGetHandle(), vectors, 2);
                    return result >= 0 ? (int)result : -Marshal.GetLastPInvokeError();
                }
            }
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    /// <summary>Waits up to <paramref name="timeoutMs"/> for <paramref name="events"/>; returns the events seen (0 on timeout).</summary>
    public static short Poll(SafeHandle handle, short events, int timeoutMs)
    {
        var added = false;
        handle.DangerousAddRef(ref added);
        try
        {
            var entry = new PollEntry { Fd = (int)handle.DangerousGetHandle(), Events = events };
            unsafe
            {
                // SAFETY: one stack-allocated pollfd, passed with count 1; the kernel writes only its
                // revents field before returning.
                var result = PollNative(&entry, 1, timeoutMs);
                return result > 0 ? entry.Revents : (short)0;
            }
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    /// <summary>
    /// Waits up to <paramref name="timeoutMs"/> (-1: without limit) until one of <paramref name="entries"/>
    /// has its events, filling each entry's <see cref="PollEntry.Revents"/>: the number of entries with
    /// events, 0 on timeout, or -errno. The caller keeps every descriptor open during the call.
    /// </summary>
    public static int Poll(Span<PollEntry> entries, int timeoutMs)
    {
        unsafe
        {
            // SAFETY: the entries are pinned for the call and their count bounds what the kernel
            // reads and writes (only each entry's revents); the caller keeps the descriptors open.
            fixed (PollEntry* pointer = entries)
            {
                var result = PollNative(pointer, (nuint)entries.Length, timeoutMs);
                return result >= 0 ? result : -Marshal.GetLastPInvokeError();
            }
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private unsafe struct IoVec
    {
        public byte* Base;
        public nuint Length;
    }


    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int OpenNative(string path, int flags, int mode);

    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    private static unsafe partial nint ReadNative(int fd, byte* buffer, nuint count);

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    private static unsafe partial nint WriteNative(int fd, byte* buffer, nuint count);

    [LibraryImport("libc", EntryPoint = "writev", SetLastError = true)]
    private static unsafe partial nint WritevNative(int fd, IoVec* vectors, int count);

    [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
    private static unsafe partial int PollNative(PollEntry* fds, nuint count, int timeoutMs);
}
