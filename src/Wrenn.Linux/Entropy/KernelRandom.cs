using System.Runtime.InteropServices;

namespace Wrenn.Linux.Entropy;

/// <summary>
/// Forces the kernel's random generator to reseed. Bytes written to /dev/urandom only enter the
/// input pool; until the next scheduled reseed (up to a minute) capsules restored from one snapshot
/// would keep producing the same random stream. RNDRESEEDCRNG makes the new bytes count now.
/// </summary>
public static partial class KernelRandom
{
    // linux/random.h: _IO('R', 0x07)
    private const nuint RNDRESEEDCRNG = 0x5207;

    /// <summary>Reseeds through an open /dev/urandom; returns 0 or errno (needs CAP_SYS_ADMIN).</summary>
    public static int Reseed(SafeHandle urandom)
    {
        ArgumentNullException.ThrowIfNull(urandom);
        var added = false;
        urandom.DangerousAddRef(ref added);
        try
        {
            return Ioctl((int)urandom.DangerousGetHandle(), RNDRESEEDCRNG, 0) == 0 ? 0 : Marshal.GetLastPInvokeError();
        }
        finally
        {
            if (added)
            {
                urandom.DangerousRelease();
            }
        }
    }

    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    private static partial int Ioctl(int fd, nuint request, nint argument);
}
