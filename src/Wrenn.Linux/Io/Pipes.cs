using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Wrenn.Linux.Io;

/// <summary>Anonymous pipes for a child's stdio; both ends close-on-exec (dup2 in the child clears it).</summary>
public static unsafe partial class Pipes
{
    /// <summary>Creates a pipe; returns its read and write ends.</summary>
    public static (SafeFileHandle Read, SafeFileHandle Write) Create()
    {
        var fds = stackalloc int[2];
        // SAFETY: fds is a two-int stack array, exactly what pipe2 fills.
        if (Pipe2(fds, FdIo.O_CLOEXEC) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw new IOException($"pipe2 failed (errno {errno})", errno);
        }

        return (new SafeFileHandle(fds[0], ownsHandle: true), new SafeFileHandle(fds[1], ownsHandle: true));
    }

    /// <summary>Asks for a pipe of <paramref name="bytes"/> (F_SETPIPE_SZ); false when refused (above /proc/sys/fs/pipe-max-size).</summary>
    public static bool TryResize(SafeFileHandle pipe, int bytes)
    {
        ArgumentNullException.ThrowIfNull(pipe);
        const int F_SETPIPE_SZ = 1031;
        return FcntlInt((int)pipe.DangerousGetHandle(), F_SETPIPE_SZ, bytes) >= 0;
    }

    [LibraryImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    private static partial int FcntlInt(int fd, int command, int argument);

    [LibraryImport("libc", EntryPoint = "pipe2", SetLastError = true)]
    private static partial int Pipe2(int* fds, int flags);
}
