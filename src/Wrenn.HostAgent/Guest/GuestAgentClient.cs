using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using Wrenn.Agent.Protocol;

namespace Wrenn.HostAgent.Guest;

/// <summary>
/// The host's end of one capsule's guest agent: a gRPC channel over the capsule's private byte
/// stream (one HTTP/2 connection, re-opened as needed), presenting the capsule's current secret.
/// </summary>
public sealed class GuestAgentClient : IDisposable
{
    private static readonly TimeSpan DetachLimit = TimeSpan.FromSeconds(2);
    private readonly Func<CancellationToken, ValueTask<Stream>> _connect;
    // Replaced whole when the secret rotates; calls read it as they start.
    private volatile string _secret;
    // Replaced whole by Reconnect; calls take the clients of whichever one they read.
    private volatile Connection _connection;
    // The byte stream in use: the guest end accepts one at a time (QEMU's chardev serves one
    // client), so it must be closed before another is opened.
    private Stream? _stream;

    public GuestAgentClient(Func<CancellationToken, ValueTask<Stream>> connect, string secret)
    {
        _connect = connect;
        _secret = secret;
        _connection = Open();
    }

    public Machine.MachineClient Machine => _connection.Machine;

    public Processes.ProcessesClient Processes => _connection.Processes;

    public Pty.PtyClient Pty => _connection.Pty;

    public Files.FilesClient Files => _connection.Files;

    public Tunnel.TunnelClient Tunnel => _connection.Tunnel;

    /// <summary>
    /// Drops the HTTP/2 connection and opens a new one on the next call. Needed when the byte
    /// stream was replaced under the old one (a resumed VM, a failed first contact): a cancelled
    /// call alone would leave the handler reusing a connection the guest no longer serves.
    /// Calls in flight on the old connection fail.
    /// </summary>
    public void Reconnect()
    {
        var previous = Interlocked.Exchange(ref _connection, Open());
        previous.Channel.Dispose();
    }

    /// <summary>Presents <paramref name="secret"/> from the next call on (after Init replaced it in the guest).</summary>
    public void UseSecret(string secret) => _secret = secret;

    /// <summary>
    /// Polls Health until the agent answers or <paramref name="timeout"/> passes. Early calls may sit
    /// in QEMU's socket buffer until the guest opens its port; each try has its own short deadline.
    /// </summary>
    public async Task<HealthReply> WaitReadyAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        for (var attempt = 1; ; attempt++)
        {
            using var attemptTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            attemptTimeout.CancelAfter(TimeSpan.FromSeconds(2));
            try
            {
                return await Machine.HealthAsync(new HealthRequest(), cancellationToken: attemptTimeout.Token).ResponseAsync.ConfigureAwait(false);
            }
            catch (RpcException exception) when (exception.StatusCode != StatusCode.Unauthenticated
                && !cancellationToken.IsCancellationRequested && Environment.TickCount64 < deadline)
            {
                // A call that merely timed out is usually waiting in QEMU's socket for a guest
                // that is still booting: keep the connection, so it is answered the moment the
                // agent is up. A failed connection, or one silent for three tries, is replaced by
                // a fresh one after a pause long enough for the guest to see the old one go.
                if (exception.StatusCode is StatusCode.Cancelled or StatusCode.DeadlineExceeded && attempt % 3 != 0)
                {
                    continue;
                }

                Reconnect();
                await Task.Delay(200, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Before a snapshot: asks the guest to end this session (Machine.Detach) and waits for its
    /// GOAWAY, after which the guest writes nothing more for this session (the HTTP handler then
    /// closes the connection), then drops the connection. So no session that could still write is
    /// frozen into the snapshot: stale frames would otherwise reach the next host's connection.
    /// An agent that does not answer in time costs at most one failed first call after restore.
    /// </summary>
    public async Task DetachAsync(CancellationToken cancellationToken)
    {
        var stream = Volatile.Read(ref _stream);
        try
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(DetachLimit);
            await Machine.DetachAsync(new DetachRequest(), cancellationToken: deadline.Token).ConfigureAwait(false);
            await WaitClosedAsync(stream, deadline.Token).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is RpcException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            // Proceed: the snapshot is still consistent, only the first call after restore may retry.
        }

        Reconnect();
    }

    /// <summary>Waits until the HTTP handler has closed <paramref name="stream"/> (it does once the guest's GOAWAY arrived and no call is open).</summary>
    private static async Task WaitClosedAsync(Stream? stream, CancellationToken cancellationToken)
    {
        while (stream is { CanRead: true })
        {
            await Task.Delay(5, cancellationToken).ConfigureAwait(false);
        }
    }

    public void Dispose() => _connection.Channel.Dispose();

    /// <summary>
    /// Opens the agent stream, closing the previous one first. The HTTP handler opens a second
    /// connection while the first is still open when the guest sends GOAWAY (Kestrel does on a
    /// protocol error); that second connect would wait forever behind the first at QEMU's
    /// one-client socket, so the old one goes.
    /// </summary>
    private async ValueTask<Stream> ConnectExclusiveAsync(CancellationToken cancellationToken)
    {
        var previous = Interlocked.Exchange(ref _stream, null);
        if (previous is not null)
        {
            await previous.DisposeAsync().ConfigureAwait(false);
        }

        var stream = await _connect(cancellationToken).ConfigureAwait(false);
        Interlocked.Exchange(ref _stream, stream);
        return stream;
    }

    private Connection Open()
    {
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = (_, cancellationToken) => ConnectExclusiveAsync(cancellationToken),
            PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
            // One connection carries every call: the guest end serves one session at a time.
            EnableMultipleHttp2Connections = false,
            InitialHttp2StreamWindowSize = 1024 * 1024,
            // Pings only while calls are open, with a generous timeout: an emulated guest busy on
            // its only vCPU can leave a ping unanswered for tens of seconds, but a session that
            // never answers (seen, rarely, right after a restore) must fail its calls instead of
            // hanging them forever; the next call then reconnects.
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests,
            KeepAlivePingDelay = TimeSpan.FromSeconds(15),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(45),
        };
        var channel = GrpcChannel.ForAddress("http://capsule-agent", new GrpcChannelOptions
        {
            HttpHandler = handler,
            DisposeHttpClient = true,
            MaxReceiveMessageSize = 8 * 1024 * 1024,
            MaxSendMessageSize = 8 * 1024 * 1024,
        });
        var invoker = channel.Intercept(metadata =>
        {
            metadata.Add("authorization", "Bearer " + _secret);
            return metadata;
        });
        return new Connection(channel, new Machine.MachineClient(invoker), new Processes.ProcessesClient(invoker),
            new Pty.PtyClient(invoker), new Files.FilesClient(invoker), new Tunnel.TunnelClient(invoker));
    }

    private sealed record Connection(
        GrpcChannel Channel,
        Machine.MachineClient Machine,
        Processes.ProcessesClient Processes,
        Pty.PtyClient Pty,
        Files.FilesClient Files,
        Tunnel.TunnelClient Tunnel);
}
