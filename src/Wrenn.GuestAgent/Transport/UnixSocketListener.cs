using System.Buffers;
using System.Globalization;
using System.Net.Sockets;

namespace Wrenn.GuestAgent.Transport;

/// <summary>
/// Serves host sessions on a Unix socket, for development and tests outside a capsule: each
/// accepted connection is one session, ended by the peer closing it.
/// </summary>
internal sealed class UnixSocketListener : IAsyncDisposable
{
    private readonly Socket _listener = new(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
    private readonly AgentRpc _rpc;
    private readonly Task _accepting;
    private int _sessionCount;

    public UnixSocketListener(string path, AgentRpc rpc)
    {
        _rpc = rpc;
        File.Delete(path);
        _listener.Bind(new UnixDomainSocketEndPoint(path));
        _listener.Listen(16);
        _accepting = AcceptLoopAsync();
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Dispose();
        await _accepting.ConfigureAwait(false);
    }

    private async Task AcceptLoopAsync()
    {
        while (true)
        {
            Socket accepted;
            try
            {
                accepted = await _listener.AcceptAsync().ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is SocketException or ObjectDisposedException)
            {
                return;
            }

            var id = "unix-" + Interlocked.Increment(ref _sessionCount).ToString(CultureInfo.InvariantCulture);
            var session = new HostSession(new SocketOutput(accepted), id, _rpc);
            _ = Task.Run(() => PumpAsync(accepted, session));
        }
    }

    private static async Task PumpAsync(Socket socket, HostSession session)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            int read;
            while ((read = await socket.ReceiveAsync(buffer).ConfigureAwait(false)) > 0 && session.Deliver(buffer.AsSpan(0, read)))
            {
            }
        }
        catch (Exception exception) when (exception is SocketException or ObjectDisposedException)
        {
            // The peer went away.
        }
        finally
        {
            session.End("host disconnected");
            socket.Dispose();
        }
    }

    private sealed class SocketOutput(Socket socket) : ISessionOutput
    {
        public bool Open() => true;

        public bool Write(in ReadOnlySequence<byte> data)
        {
            try
            {
                foreach (var segment in data)
                {
                    for (var sent = 0; sent < segment.Length;)
                    {
                        sent += socket.Send(segment.Span[sent..]);
                    }
                }

                return true;
            }
            catch (Exception exception) when (exception is SocketException or ObjectDisposedException)
            {
                return false;
            }
        }
    }
}
