using System.Runtime.InteropServices;

namespace Wrenn.Linux.Terminals;

/// <summary>struct winsize of the TIOCGWINSZ/TIOCSWINSZ ioctls (four shorts), the ioctl on it, and the terminal calls' failure.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe partial struct WinSize
{
    public ushort Rows;
    public ushort Columns;
    public ushort XPixels;
    public ushort YPixels;

    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    internal static partial int Ioctl(int fd, nuint request, WinSize* size);

    /// <summary>The exception for a failed libc call, with its errno.</summary>
    internal static IOException Failure(string call)
    {
        var errno = Marshal.GetLastPInvokeError();
        return new IOException($"{call} failed (errno {errno})", errno);
    }
}
