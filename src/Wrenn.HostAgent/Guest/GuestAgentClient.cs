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
    private readonly GrpcChannel _channel;
    // Replaced whole when the secret rotates; calls read it as they start.
    private volatile string _secret;

    public GuestAgentClient(Func<CancellationToken, ValueTask<Stream>> connect, string secret)
    {
        _secret = secret;
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = (_, cancellationToken) => connect(cancellationToken),
            PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
            // One connection carries every call: the guest end serves one session at a time.
            EnableMultipleHttp2Connections = false,
            InitialHttp2StreamWindowSize = 1024 * 1024,
        };
        _channel = GrpcChannel.ForAddress("http://capsule-agent", new GrpcChannelOptions
        {
            HttpHandler = handler,
            MaxReceiveMessageSize = 8 * 1024 * 1024,
            MaxSendMessageSize = 8 * 1024 * 1024,
        });
        var invoker = _channel.Intercept(metadata =>
        {
            metadata.Add("authorization", "Bearer " + _secret);
            return metadata;
        });
        Machine = new Machine.MachineClient(invoker);
        Processes = new Processes.ProcessesClient(invoker);
        Pty = new Pty.PtyClient(invoker);
        Files = new Files.FilesClient(invoker);
        Tunnel = new Tunnel.TunnelClient(invoker);
    }

    public Machine.MachineClient Machine { get; }

    public Processes.ProcessesClient Processes { get; }

    public Pty.PtyClient Pty { get; }

    public Files.FilesClient Files { get; }

    public Tunnel.TunnelClient Tunnel { get; }

    /// <summary>Presents <paramref name="secret"/> from the next call on (after Init replaced it in the guest).</summary>
    public void UseSecret(string secret) => _secret = secret;

    /// <summary>
    /// Polls Health until the agent answers or <paramref name="timeout"/> passes. Early calls may sit
    /// in QEMU's socket buffer until the guest opens its port; each try has its own short deadline.
    /// </summary>
    public async Task<HealthReply> WaitReadyAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        while (true)
        {
            using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            attempt.CancelAfter(TimeSpan.FromSeconds(2));
            try
            {
                return await Machine.HealthAsync(new HealthRequest(), cancellationToken: attempt.Token).ResponseAsync.ConfigureAwait(false);
            }
            catch (RpcException exception) when (exception.StatusCode != StatusCode.Unauthenticated
                && !cancellationToken.IsCancellationRequested && Environment.TickCount64 < deadline)
            {
                await Task.Delay(50, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    public void Dispose() => _channel.Dispose();
}
