using System.Net.Sockets;

namespace Wrenn.GuestAgent.Tests.Transport;

/// <summary>
/// Stands in for QEMU's virtio-serial chardev: one byte stream (a socket pair; the guest end is
/// handed to the agent's listener as its "port") that outlives host connections. Hosts connect to
/// <see cref="Path"/>; a new connection replaces the previous one, and bytes the guest wrote while
/// no host, or an old host, was connected are delivered to whoever reads next or lost, as in QEMU.
/// </summary>
internal sealed class PortRelay : IAsyncDisposable
{
    private readonly Socket _listener = new(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
    private readonly Socket _hostEnd;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private readonly Task _fromGuest;
    private Socket? _current;

    private PortRelay(string directory, Socket hostEnd, Socket guestEnd)
    {
        Path = System.IO.Path.Combine(directory, "agent.sock");
        _hostEnd = hostEnd;
        GuestEnd = guestEnd;
        _listener.Bind(new UnixDomainSocketEndPoint(Path));
        _listener.Listen(4);
        _accepting = AcceptLoopAsync();
        _fromGuest = GuestToHostAsync();
    }

    public string Path { get; }

    /// <summary>The guest's end of the port (non-blocking), for the agent's listener.</summary>
    public Socket GuestEnd { get; }

    /// <summary>Host connections accepted so far.</summary>
    public int Connections { get; private set; }

    /// <summary>
    /// How long a new connection's first bytes wait before they reach the guest, while the guest's
    /// output already goes to it: a guest slow to notice a new host (an emulated vCPU is).
    /// </summary>
    public TimeSpan HoldNewConnections { get; set; }

    public static PortRelay Start(string directory)
    {
        using var pair = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        var pairPath = System.IO.Path.Combine(directory, "pair.sock");
        pair.Bind(new UnixDomainSocketEndPoint(pairPath));
        pair.Listen(1);
        var hostEnd = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        hostEnd.Connect(new UnixDomainSocketEndPoint(pairPath));
        var guestEnd = pair.Accept();
        guestEnd.Blocking = false;
        File.Delete(pairPath);
        return new PortRelay(directory, hostEnd, guestEnd);
    }

    /// <summary>Opens a host connection the way QemuVm does: a socket to the chardev.</summary>
    public async Task<NetworkStream> ConnectAsync(CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(Path), cancellationToken);
        return new NetworkStream(socket, ownsSocket: true);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Dispose();
        _current?.Dispose();
        _hostEnd.Dispose();
        GuestEnd.Dispose();
        await Task.WhenAll(_accepting, _fromGuest).ContinueWith(_ => { }, TaskScheduler.Default);
        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var accepted = await _listener.AcceptAsync(_stop.Token);
            // One client at a time, like QEMU's socket chardev: the new one replaces the old.
            Interlocked.Exchange(ref _current, accepted)?.Dispose();
            Connections++;
            _ = HostToGuestAsync(accepted);
        }
    }

    private async Task HostToGuestAsync(Socket connection)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            await Task.Delay(HoldNewConnections, _stop.Token);
            while (true)
            {
                var read = await connection.ReceiveAsync(buffer, _stop.Token);
                if (read == 0)
                {
                    return;
                }

                await _hostEnd.SendAsync(buffer.AsMemory(0, read), _stop.Token);
            }
        }
        catch (Exception exception) when (exception is SocketException or ObjectDisposedException or OperationCanceledException)
        {
            // The connection was replaced or the relay stops: what it had not sent is lost.
        }
    }

    private async Task GuestToHostAsync()
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                var read = await _hostEnd.ReceiveAsync(buffer, _stop.Token);
                if (read == 0)
                {
                    return;
                }

                try
                {
                    if (Volatile.Read(ref _current) is { } connection)
                    {
                        await connection.SendAsync(buffer.AsMemory(0, read), _stop.Token);
                    }
                }
                catch (Exception exception) when (exception is SocketException or ObjectDisposedException)
                {
                    // Written to a host that is gone: lost, as QEMU discards it.
                }
            }
        }
        catch (Exception exception) when (exception is SocketException or ObjectDisposedException or OperationCanceledException)
        {
        }
    }
}
