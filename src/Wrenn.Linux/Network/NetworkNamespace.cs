using System.Net.Sockets;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Wrenn.Linux.Network;

/// <summary>
/// Sockets in another network namespace (a capsule's): a socket belongs to the namespace its
/// creating thread was in, and keeps it for life, so a thread of its own enters the namespace,
/// creates the socket, and leaves again; the socket is then used from any thread.
/// </summary>
public static partial class NetworkNamespace
{
    // linux/sched.h
    private const int CLONE_NEWNET = 0x40000000;

    /// <summary>Creates a socket inside the namespace bound at <paramref name="namespacePath"/> (/var/run/netns/…).</summary>
    public static Task<Socket> CreateSocketAsync(string namespacePath, AddressFamily family, SocketType type, ProtocolType protocol) =>
        // LongRunning: a dedicated thread, which ends with the task, so even a thread that failed
        // to leave the namespace never runs other work.
        Task.Factory.StartNew(() => CreateInside(namespacePath, family, type, protocol), CancellationToken.None,
            TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private static Socket CreateInside(string namespacePath, AddressFamily family, SocketType type, ProtocolType protocol)
    {
        using var own = File.OpenHandle("/proc/thread-self/ns/net");
        using var target = File.OpenHandle(namespacePath);
        Enter(target);
        Socket socket;
        try
        {
            socket = new Socket(family, type, protocol);
        }
        catch
        {
            Enter(own);
            throw;
        }

        try
        {
            Enter(own);
        }
        catch
        {
            // The thread could not leave (it ends with the task): nothing made here is handed out.
            socket.Dispose();
            throw;
        }

        return socket;
    }

    private static void Enter(SafeFileHandle namespaceFile)
    {
        // setns only moves the calling thread; the handle stays open for the call's duration.
        if (SetNsNative(namespaceFile.DangerousGetHandle().ToInt32(), CLONE_NEWNET) != 0)
        {
            throw new IOException($"setns failed, errno {Marshal.GetLastPInvokeError()}");
        }
    }

    [LibraryImport("libc", EntryPoint = "setns", SetLastError = true)]
    private static partial int SetNsNative(int fd, int nstype);
}
