using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Wrenn.Linux.Io;

/// <summary>
/// A listening AF_VSOCK stream socket: how a Firecracker host reaches the guest agent. .NET has no
/// vsock address family, so the socket calls go through libc.
/// </summary>
public static partial class Vsock
{
    // linux/socket.h, linux/vm_sockets.h
    private const int AF_VSOCK = 40;
    private const int SOCK_STREAM = 1;
    private const int SOCK_CLOEXEC = 0x80000;
    private const uint VMADDR_CID_ANY = 0xFFFFFFFF;

    /// <summary>Creates a socket listening on <paramref name="port"/> for any CID.</summary>
    public static SafeFileHandle Listen(uint port, int backlog)
    {
        var fd = SocketNative(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC | FdIo.O_NONBLOCK, 0);
        if (fd < 0)
        {
            throw new IOException($"vsock socket failed (errno {Marshal.GetLastPInvokeError()})");
        }

        var handle = new SafeFileHandle(fd, ownsHandle: true);
        var address = new SockaddrVm { Family = AF_VSOCK, Port = port, Cid = VMADDR_CID_ANY };
        unsafe
        {
            // SAFETY: a stack-allocated sockaddr_vm whose exact size is passed; the kernel only reads it.
            if (BindNative(fd, &address, (uint)sizeof(SockaddrVm)) < 0 || ListenNative(fd, backlog) < 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                handle.Dispose();
                throw new IOException($"vsock bind/listen failed (errno {errno})");
            }
        }

        return handle;
    }

    /// <summary>Accepts one connection, non-blocking; null when none is pending.</summary>
    public static SafeFileHandle? TryAccept(SafeFileHandle listener)
    {
        ArgumentNullException.ThrowIfNull(listener);
        var added = false;
        listener.DangerousAddRef(ref added);
        try
        {
            var fd = Accept4Native((int)listener.DangerousGetHandle(), 0, 0, SOCK_CLOEXEC | FdIo.O_NONBLOCK);
            return fd < 0 ? null : new SafeFileHandle(fd, ownsHandle: true);
        }
        finally
        {
            if (added)
            {
                listener.DangerousRelease();
            }
        }
    }

    // struct sockaddr_vm from linux/vm_sockets.h: 16 bytes.
    [StructLayout(LayoutKind.Sequential)]
    private struct SockaddrVm
    {
        public ushort Family;
        public ushort Reserved1;
        public uint Port;
        public uint Cid;
        public uint Zero;
    }

    [LibraryImport("libc", EntryPoint = "socket", SetLastError = true)]
    private static partial int SocketNative(int domain, int type, int protocol);

    [LibraryImport("libc", EntryPoint = "bind", SetLastError = true)]
    private static unsafe partial int BindNative(int fd, SockaddrVm* address, uint length);

    [LibraryImport("libc", EntryPoint = "listen", SetLastError = true)]
    private static partial int ListenNative(int fd, int backlog);

    [LibraryImport("libc", EntryPoint = "accept4", SetLastError = true)]
    private static partial int Accept4Native(int fd, nint address, nint length, int flags);
}
