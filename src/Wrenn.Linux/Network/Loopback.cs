using System.Runtime.InteropServices;

namespace Wrenn.Linux.Network;

/// <summary>Brings the loopback interface up: PID 1's job in a capsule, before any service runs.</summary>
public static partial class Loopback
{
    // linux/socket.h, linux/sockios.h, linux/if.h
    private const int AF_INET = 2;
    private const int SOCK_DGRAM = 2;
    private const uint SIOCGIFFLAGS = 0x8913;
    private const uint SIOCSIFFLAGS = 0x8914;
    private const short IFF_UP = 0x1;

    /// <summary>Sets IFF_UP on "lo"; returns 0 or the errno of the failing call.</summary>
    public static int BringUp()
    {
        var fd = SocketNative(AF_INET, SOCK_DGRAM, 0);
        if (fd < 0)
        {
            return Marshal.GetLastPInvokeError();
        }

        try
        {
            var request = new IfReqFlags();
            unsafe
            {
                // SAFETY: ifr_name is a 16-byte inline buffer; "lo" plus its NUL fits, and the struct is
                // the 40-byte struct ifreq the ioctls read and write in place.
                request.Name[0] = (byte)'l';
                request.Name[1] = (byte)'o';
                if (IoctlNative(fd, SIOCGIFFLAGS, &request) < 0)
                {
                    return Marshal.GetLastPInvokeError();
                }

                request.Flags |= IFF_UP;
                return IoctlNative(fd, SIOCSIFFLAGS, &request) < 0 ? Marshal.GetLastPInvokeError() : 0;
            }
        }
        finally
        {
            _ = CloseNative(fd);
        }
    }

    // struct ifreq (linux/if.h): a 16-byte name, then a 24-byte union whose first member we use.
    [StructLayout(LayoutKind.Sequential, Size = 40)]
    private unsafe struct IfReqFlags
    {
        public fixed byte Name[16];
        public short Flags;
    }

    [LibraryImport("libc", EntryPoint = "socket", SetLastError = true)]
    private static partial int SocketNative(int domain, int type, int protocol);

    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    private static unsafe partial int IoctlNative(int fd, nuint request, IfReqFlags* argument);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int CloseNative(int fd);
}
