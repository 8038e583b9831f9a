using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Wrenn.Linux.Io;

/// <summary>
/// Bulk copies between a connected socket and a file, blocking the calling thread: sendfile(2)
/// from the file (no copy through user space), and plain reads and pwrites into it. Under
/// emulation every syscall, wake-up and thread hop is dear, and these do one syscall per chunk
/// where asynchronous streams do several. Either fd mode works: a would-block result waits in
/// poll(2), which also bounds how late a cancellation is seen.
/// </summary>
public static partial class SocketFiles
{
    private const int WaitSliceMs = 200;
    private const int PipeBytes = 1024 * 1024;

    // fcntl.h
    private const uint SPLICE_F_MOVE = 1;

    /// <summary>Sends exactly <paramref name="count"/> bytes of <paramref name="file"/> from <paramref name="offset"/> on <paramref name="socket"/>.</summary>
    /// <exception cref="IOException">A failed call, or the file ended first.</exception>
    public static void SendFile(SafeHandle socket, SafeFileHandle file, long offset, long count, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(socket);
        ArgumentNullException.ThrowIfNull(file);
        for (var left = count; left > 0;)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var sent = SendFileOnce(socket, file, ref offset, left);
            if (sent == -Errno.EAGAIN || sent == -Errno.EINTR)
            {
                _ = FdIo.Poll(socket, FdIo.POLLOUT, WaitSliceMs);
                continue;
            }

            left -= sent switch
            {
                < 0 => throw new IOException($"sendfile failed (errno {-sent})", (int)-sent),
                0 => throw new IOException("the file ended before its size"),
                _ => sent,
            };
        }
    }

    /// <summary>
    /// Receives from <paramref name="socket"/> until the peer ends its side, writing at
    /// <paramref name="offset"/> on in <paramref name="file"/>; returns the bytes received. The
    /// bytes move through a pipe with splice(2), never through user space.
    /// </summary>
    /// <exception cref="IOException">A failed receive or write (ENOSPC among them).</exception>
    public static long ReceiveToFile(SafeHandle socket, SafeFileHandle file, long offset, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(socket);
        ArgumentNullException.ThrowIfNull(file);
        var (pipeOut, pipeIn) = Pipes.Create();
        using (pipeOut)
        using (pipeIn)
        {
            // A larger pipe moves more per call; the default (64 KiB) stays when this is refused.
            _ = Pipes.TryResize(pipeIn, PipeBytes);
            long received = 0;
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var count = Splice(socket, pipeIn, null, PipeBytes);
                if (count == -Errno.EAGAIN || count == -Errno.EINTR)
                {
                    _ = FdIo.Poll(socket, FdIo.POLLIN, WaitSliceMs);
                    continue;
                }

                if (count < 0)
                {
                    throw new IOException($"receive failed (errno {-count})", (int)-count);
                }

                if (count == 0)
                {
                    return received;
                }

                // The pipe was empty before, so it now holds exactly count bytes: all go to the file.
                for (var left = count; left > 0;)
                {
                    var written = Splice(pipeOut, file, offset + received, left);
                    if (written <= 0 && written != -Errno.EINTR)
                    {
                        throw new IOException($"writing the file failed (errno {-written})", (int)-written);
                    }

                    left -= Math.Max(written, 0);
                    received += Math.Max(written, 0);
                }
            }
        }
    }

    private static long SendFileOnce(SafeHandle socket, SafeFileHandle file, ref long offset, long count)
    {
        var socketAdded = false;
        var fileAdded = false;
        socket.DangerousAddRef(ref socketAdded);
        file.DangerousAddRef(ref fileAdded);
        try
        {
            unsafe
            {
                // SAFETY: the offset is a pinned local the kernel reads and advances; both fds stay
                // open for the call because of the AddRefs above.
                fixed (long* position = &offset)
                {
                    var result = SendFileNative((int)socket.DangerousGetHandle(), (int)file.DangerousGetHandle(), position, (nuint)Math.Min(count, int.MaxValue));
                    return result >= 0 ? result : -Marshal.GetLastPInvokeError();
                }
            }
        }
        finally
        {
            if (fileAdded)
            {
                file.DangerousRelease();
            }

            if (socketAdded)
            {
                socket.DangerousRelease();
            }
        }
    }

    /// <summary>splice(2) from <paramref name="from"/> to <paramref name="to"/> (at <paramref name="toOffset"/> when given): bytes moved, or -errno.</summary>
    private static long Splice(SafeHandle from, SafeHandle to, long? toOffset, long count)
    {
        var fromAdded = false;
        var toAdded = false;
        from.DangerousAddRef(ref fromAdded);
        to.DangerousAddRef(ref toAdded);
        try
        {
            var position = toOffset ?? 0;
            unsafe
            {
                // SAFETY: the offset is a local the kernel reads and advances during the call, or
                // null for a pipe or socket; both fds stay open because of the AddRefs above.
                var result = SpliceNative((int)from.DangerousGetHandle(), null, (int)to.DangerousGetHandle(), toOffset is null ? null : &position,
                    (nuint)Math.Min(count, int.MaxValue), SPLICE_F_MOVE);
                return result >= 0 ? result : -Marshal.GetLastPInvokeError();
            }
        }
        finally
        {
            if (toAdded)
            {
                to.DangerousRelease();
            }

            if (fromAdded)
            {
                from.DangerousRelease();
            }
        }
    }

    [LibraryImport("libc", EntryPoint = "splice", SetLastError = true)]
    private static unsafe partial nint SpliceNative(int fdIn, long* offIn, int fdOut, long* offOut, nuint length, uint flags);

    [LibraryImport("libc", EntryPoint = "sendfile", SetLastError = true)]
    private static unsafe partial nint SendFileNative(int outFd, int inFd, long* offset, nuint count);
}
