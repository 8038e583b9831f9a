using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace Wrenn.Linux.Terminals;

/// <summary>
/// A PTY pair: the agent keeps the master; the child opens the slave (by path) as its controlling
/// terminal. .NET has no PTY API.
/// </summary>
public static unsafe partial class PseudoTerminal
{
    private const int O_RDWR = 0x2;
    private const int O_NOCTTY = 0x100;
    private const int O_CLOEXEC = 0x80000;
    // asm-generic/ioctls.h
    private const nuint TIOCSWINSZ = 0x5414;

    /// <summary>Opens a new master; returns it and the slave's path.</summary>
    public static (SafeFileHandle Master, string SlavePath) Open(ushort columns, ushort rows)
    {
        var fd = PosixOpenPt(O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (fd < 0)
        {
            throw WinSize.Failure("posix_openpt");
        }

        var master = new SafeFileHandle(fd, ownsHandle: true);
        var name = stackalloc byte[128];
        // SAFETY: name is a 128-byte stack buffer and its length is passed to ptsname_r, which
        // NUL-terminates within it.
        if (GrantPt(fd) != 0 || UnlockPt(fd) != 0 || PtsNameR(fd, name, 128) != 0)
        {
            var failure = WinSize.Failure("grantpt/unlockpt/ptsname_r");
            master.Dispose();
            throw failure;
        }

        var slavePath = Encoding.UTF8.GetString(MemoryMarshal.CreateReadOnlySpanFromNullTerminated(name));
        Resize(master, columns, rows);
        return (master, slavePath);
    }

    /// <summary>Sets the window size; the kernel sends SIGWINCH to the terminal's foreground group.</summary>
    public static void Resize(SafeFileHandle master, ushort columns, ushort rows)
    {
        ArgumentNullException.ThrowIfNull(master);
        var size = new WinSize { Rows = rows, Columns = columns };
        var added = false;
        master.DangerousAddRef(ref added);
        try
        {
            // SAFETY: a stack struct winsize (four shorts), which TIOCSWINSZ only reads; the fd stays
            // open because of the AddRef above.
            if (WinSize.Ioctl((int)master.DangerousGetHandle(), TIOCSWINSZ, &size) != 0)
            {
                throw WinSize.Failure("TIOCSWINSZ");
            }
        }
        finally
        {
            if (added)
            {
                master.DangerousRelease();
            }
        }
    }

    [LibraryImport("libc", EntryPoint = "posix_openpt", SetLastError = true)]
    private static partial int PosixOpenPt(int flags);

    [LibraryImport("libc", EntryPoint = "grantpt", SetLastError = true)]
    private static partial int GrantPt(int fd);

    [LibraryImport("libc", EntryPoint = "unlockpt", SetLastError = true)]
    private static partial int UnlockPt(int fd);

    [LibraryImport("libc", EntryPoint = "ptsname_r", SetLastError = true)]
    private static partial int PtsNameR(int fd, byte* buffer, nuint length);
}
