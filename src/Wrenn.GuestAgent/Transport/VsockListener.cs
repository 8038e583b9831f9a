using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.Win32.SafeHandles;
using Wrenn.Linux;
using Wrenn.Linux.Io;

namespace Wrenn.GuestAgent.Transport;

/// <summary>
/// Serves host sessions over vsock (Firecracker): each accepted connection is one session with its
/// own reader thread, ended by the peer closing it.
/// </summary>
internal sealed class VsockListener(HostLinkEndPoint endPoint) : IConnectionListener
{
    private readonly SafeFileHandle _listener = Vsock.Listen(endPoint.VsockPort, backlog: 4);
    private int _sessionCount;

    public EndPoint EndPoint { get; } = endPoint;

    public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
    {
        while (!cancellationToken.IsCancellationRequested && !_listener.IsClosed)
        {
            var accepted = Vsock.TryAccept(_listener);
            if (accepted is null)
            {
                await Task.Run(() => FdIo.Poll(_listener, FdIo.POLLIN, 250), cancellationToken).ConfigureAwait(false);
                continue;
            }

            var id = "vsock-" + Interlocked.Increment(ref _sessionCount).ToString(CultureInfo.InvariantCulture);
            var session = new FdConnection(new FdOutput(accepted), id);
            new Thread(() => Pump(accepted, session)) { IsBackground = true, Name = id }.Start();
            return session;
        }

        return null;
    }

    public ValueTask UnbindAsync(CancellationToken cancellationToken = default)
    {
        _listener.Dispose();
        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync()
    {
        _listener.Dispose();
        return ValueTask.CompletedTask;
    }

    private static void Pump(SafeFileHandle fd, FdConnection session)
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

        session.EndInput("host disconnected");
        session.Writer.ContinueWith(_ => fd.Dispose(), TaskScheduler.Default);
    }
}
