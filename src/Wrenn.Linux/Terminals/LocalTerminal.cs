using System.Runtime.InteropServices;

namespace Wrenn.Linux.Terminals;

/// <summary>
/// The terminal the user's program runs in (the client side of <c>wrenn shell</c>): its window size
/// and raw mode, which .NET's Console does not offer (it only reads keys, never passes bytes as typed).
/// </summary>
public static unsafe partial class LocalTerminal
{
    // asm-generic/ioctls.h
    private const nuint TIOCGWINSZ = 0x5413;
    // TCSADRAIN, not TCSAFLUSH: what was typed ahead before the switch is kept, not discarded.
    private const int TCSADRAIN = 1;
    // struct termios is 60 bytes on every glibc Linux ABI .NET runs on; the buffer leaves room.
    private const int TermiosBytes = 128;

    /// <summary>Whether <paramref name="fd"/> is a terminal.</summary>
    public static bool IsTerminal(int fd) => IsATty(fd) == 1;

    /// <summary>The window size of the terminal on <paramref name="fd"/>; null when it is not a terminal.</summary>
    public static (ushort Columns, ushort Rows)? WindowSize(int fd)
    {
        var size = default(WinSize);
        // SAFETY: a stack struct winsize (four shorts), which TIOCGWINSZ fills and nothing keeps.
        return WinSize.Ioctl(fd, TIOCGWINSZ, &size) == 0 && size.Columns > 0 ? (size.Columns, size.Rows) : null;
    }

    /// <summary>
    /// Switches the terminal on <paramref name="fd"/> to raw mode — no echo, no line editing, no
    /// signals from Ctrl-C/Ctrl-Z, bytes passed as typed — until the returned value is disposed.
    /// </summary>
    public static IDisposable EnterRawMode(int fd)
    {
        var saved = new byte[TermiosBytes];
        var raw = new byte[TermiosBytes];
        fixed (byte* original = saved, changed = raw)
        {
            // SAFETY: both buffers are pinned and larger than struct termios, which tcgetattr fills,
            // cfmakeraw edits in place and tcsetattr only reads.
            if (TcGetAttr(fd, original) != 0)
            {
                throw WinSize.Failure("tcgetattr");
            }

            new Span<byte>(original, TermiosBytes).CopyTo(new Span<byte>(changed, TermiosBytes));
            CfMakeRaw(changed);
            if (TcSetAttr(fd, TCSADRAIN, changed) != 0)
            {
                throw WinSize.Failure("tcsetattr");
            }
        }

        return new Restore(fd, saved);
    }

    private sealed class Restore(int fd, byte[] saved) : IDisposable
    {
        private int _done;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _done, 1) == 0)
            {
                fixed (byte* original = saved)
                {
                    // SAFETY: the pinned buffer tcgetattr filled; tcsetattr only reads it. A failure
                    // leaves nothing to undo.
                    _ = TcSetAttr(fd, TCSADRAIN, original);
                }
            }
        }
    }

    [LibraryImport("libc", EntryPoint = "isatty")]
    private static partial int IsATty(int fd);

    [LibraryImport("libc", EntryPoint = "tcgetattr", SetLastError = true)]
    private static partial int TcGetAttr(int fd, byte* termios);

    [LibraryImport("libc", EntryPoint = "tcsetattr", SetLastError = true)]
    private static partial int TcSetAttr(int fd, int actions, byte* termios);

    [LibraryImport("libc", EntryPoint = "cfmakeraw")]
    private static partial void CfMakeRaw(byte* termios);
}
