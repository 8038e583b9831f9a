using System.Runtime.InteropServices;

namespace Wrenn.Linux.Spawn;

/// <summary>
/// Replaces the running program with another (execv): same pid, same terminal, same environment,
/// so a hand-over is invisible to whoever started the first one (its pid, signals, exit status).
/// </summary>
public static unsafe partial class ProcessImage
{
    /// <summary>Runs <paramref name="path"/> with <paramref name="arguments"/> (argv[0] first) in place of this program; returns only on failure.</summary>
    /// <exception cref="IOException">The program could not be started (errno in <see cref="Exception.HResult"/>).</exception>
    public static void Replace(string path, IReadOnlyList<string> arguments)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var strings = new nint[arguments.Count + 1];
        var pathBytes = Marshal.StringToCoTaskMemUTF8(path);
        try
        {
            for (var i = 0; i < arguments.Count; i++)
            {
                strings[i] = Marshal.StringToCoTaskMemUTF8(arguments[i]);
            }

            fixed (nint* argv = strings)
            {
                // SAFETY: argv is a pinned NULL-terminated array (the last element stays 0) of
                // NUL-terminated UTF-8 strings that live until after the call; execv only reads
                // them and returns only on failure.
                _ = Execv((byte*)pathBytes, (byte**)argv);
            }

            var errno = Marshal.GetLastPInvokeError();
            throw new IOException($"execv failed (errno {errno})", errno);
        }
        finally
        {
            foreach (var pointer in strings)
            {
                Marshal.FreeCoTaskMem(pointer);
            }

            Marshal.FreeCoTaskMem(pathBytes);
        }
    }

    [LibraryImport("libc", EntryPoint = "execv", SetLastError = true)]
    private static partial int Execv(byte* path, byte** argv);
}
