using System.Net.Sockets;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Wrenn.Linux.Io;

/// <summary>
/// Passing a file descriptor over a Unix socket (SCM_RIGHTS), which .NET's Socket cannot do:
/// Firecracker sends its userfaultfd to the page server this way.
/// </summary>
public static unsafe partial class UnixRights
{
    private const int SOL_SOCKET = 1;
    private const int SCM_RIGHTS = 1;
    private const int MSG_CMSG_CLOEXEC = 0x40000000;

    // CMSG_SPACE(sizeof(int)) on x86-64: a 16-byte cmsghdr plus the fd, rounded to 8.
    private const int ControlSpace = 24;
    private const int ControlLength = 20;

    /// <summary>Sends <paramref name="payload"/> with <paramref name="fd"/> attached in one message.</summary>
    public static void Send(Socket socket, ReadOnlySpan<byte> payload, SafeHandle fd)
    {
        ArgumentNullException.ThrowIfNull(socket);
        ArgumentNullException.ThrowIfNull(fd);
        var control = stackalloc byte[ControlSpace];
        new Span<byte>(control, ControlSpace).Clear();
        var header = (CmsgHeader*)control;
        header->Length = ControlLength;
        header->Level = SOL_SOCKET;
        header->Type = SCM_RIGHTS;
        *(int*)(control + sizeof(CmsgHeader)) = (int)fd.DangerousGetHandle();
        // SAFETY: payload and control buffers are pinned or on the stack for the duration of the call,
        // and their exact lengths are passed; the kernel only reads them.
        fixed (byte* data = payload)
        {
            var vector = new IoVector { Base = data, Length = (nuint)payload.Length };
            var message = new MessageHeader { Vectors = &vector, VectorCount = 1, Control = control, ControlLength = ControlSpace };
            if (SendMsg((int)socket.Handle, &message, 0) < 0)
            {
                throw new IOException($"sendmsg failed (errno {Marshal.GetLastPInvokeError()})");
            }
        }
    }

    /// <summary>
    /// Receives one message into <paramref name="buffer"/>: its length (0 at end of stream) and the
    /// descriptor attached to it, if any (close-on-exec, owned by the caller).
    /// </summary>
    public static (int Length, SafeFileHandle? Fd) Receive(Socket socket, Span<byte> buffer)
    {
        ArgumentNullException.ThrowIfNull(socket);
        var control = stackalloc byte[ControlSpace * 4];
        new Span<byte>(control, ControlSpace * 4).Clear();
        // SAFETY: the data buffer is pinned and the control buffer is on the stack for the duration of
        // the call; the kernel writes at most their stated lengths and reports the control length used.
        fixed (byte* data = buffer)
        {
            var vector = new IoVector { Base = data, Length = (nuint)buffer.Length };
            var message = new MessageHeader { Vectors = &vector, VectorCount = 1, Control = control, ControlLength = ControlSpace * 4 };
            var length = RecvMsg((int)socket.Handle, &message, MSG_CMSG_CLOEXEC);
            if (length < 0)
            {
                throw new IOException($"recvmsg failed (errno {Marshal.GetLastPInvokeError()})");
            }

            SafeFileHandle? received = null;
            var header = (CmsgHeader*)control;
            if (message.ControlLength >= ControlLength && header->Level == SOL_SOCKET && header->Type == SCM_RIGHTS)
            {
                // Only the first descriptor is kept; a peer that sends more leaks nothing into us
                // because each extra one is closed here.
                var count = ((int)header->Length - sizeof(CmsgHeader)) / sizeof(int);
                var fds = (int*)(control + sizeof(CmsgHeader));
                received = new SafeFileHandle(fds[0], ownsHandle: true);
                for (var i = 1; i < count; i++)
                {
                    new SafeFileHandle(fds[i], ownsHandle: true).Dispose();
                }
            }

            return ((int)length, received);
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct IoVector
    {
        public byte* Base;
        public nuint Length;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct MessageHeader
    {
        public void* Name;
        public uint NameLength;
        public IoVector* Vectors;
        public nuint VectorCount;
        public void* Control;
        public nuint ControlLength;
        public int Flags;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct CmsgHeader
    {
        public nuint Length;
        public int Level;
        public int Type;
    }

    [LibraryImport("libc", EntryPoint = "sendmsg", SetLastError = true)]
    private static partial nint SendMsg(int fd, MessageHeader* message, int flags);

    [LibraryImport("libc", EntryPoint = "recvmsg", SetLastError = true)]
    private static partial nint RecvMsg(int fd, MessageHeader* message, int flags);
}
