using System.Runtime.InteropServices;
using System.Text;

namespace Wrenn.Linux.Identity;

/// <summary>Sets the kernel's host name (each capsule, forks included, gets its own).</summary>
public static unsafe partial class HostName
{
    /// <summary>Returns 0 or errno.</summary>
    public static int Set(string name)
    {
        var bytes = Encoding.UTF8.GetBytes(name);
        fixed (byte* pointer = bytes)
        {
            // SAFETY: the pinned array and its exact length; sethostname only reads it.
            return SetHostName(pointer, (nuint)bytes.Length) == 0 ? 0 : Marshal.GetLastPInvokeError();
        }
    }

    [LibraryImport("libc", EntryPoint = "sethostname", SetLastError = true)]
    private static partial int SetHostName(byte* name, nuint length);
}
