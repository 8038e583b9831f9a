using System.Globalization;
using Microsoft.Win32.SafeHandles;
using Wrenn.Linux;
using Wrenn.Linux.Io;

namespace Wrenn.GuestAgent.Transport;

/// <summary>
/// Serves host sessions over vsock (Firecracker): each accepted connection is one session with its
/// own reader thread, ended by the peer closing it.
/// </summary>
internal sealed class VsockListener : IAsyncDisposable
{
    private readonly SafeFileHandle _listener;
    private readonly AgentRpc _rpc;
    private readonly Thread _accepting;
    private int _sessionCount;

    public VsockListener(uint port, AgentRpc rpc)
    {
        _rpc = rpc;
        _listener = Vsock.Listen(port, backlog: 4);
        _accepting = new Thread(AcceptLoop) { IsBackground = true, Name = "vsock-accept" };
        _accepting.Start();
    }

    public ValueTask DisposeAsync()
    {
        _listener.Dispose();
        _accepting.Join(TimeSpan.FromSeconds(2));
        return ValueTask.CompletedTask;
    }

    private void AcceptLoop()
    {
        while (!_listener.IsClosed)
        {
            var accepted = Vsock.TryAccept(_listener);
            if (accepted is null)
            {
                FdIo.Poll(_listener, FdIo.POLLIN, 250);
                continue;
            }

            var id = "vsock-" + Interlocked.Increment(ref _sessionCount).ToString(CultureInfo.InvariantCulture);
            var session = new HostSession(new FdOutput(accepted), id, _rpc);
            new Thread(() => Pump(accepted, session)) { IsBackground = true, Name = id }.Start();
        }
    }

    private static void Pump(SafeFileHandle fd, HostSession session)
    {
        var buffer = new byte[64 * 1024];
        while (true)
        {
            var read = FdIo.Read(fd, buffer);
            if (read > 0 && session.Deliver(buffer.AsSpan(0, read)))
            {
                continue;
            }

            if (read == -Errno.EAGAIN)
            {
                FdIo.Poll(fd, FdIo.POLLIN, 500);
                continue;
            }

            if (read == -Errno.EINTR)
            {
                continue;
            }

            break;
        }

        session.End("host disconnected");
        fd.Dispose();
    }
}
