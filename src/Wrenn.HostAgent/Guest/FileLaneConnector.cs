using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Wrenn.Agent.Protocol.Lane;
using Wrenn.HostAgent.Network;
using Wrenn.Linux.Network;

namespace Wrenn.HostAgent.Guest;

/// <summary>
/// Opens file lane connections to one guest (docs/file-lane.md). A guest that cannot be reached
/// (an older agent, no listener, a namespace made by an older release) is not tried again for a
/// minute: its files go over the link meanwhile.
/// </summary>
public sealed partial class FileLaneConnector
{
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan RetryAfter = TimeSpan.FromMinutes(1);
    private readonly Func<CancellationToken, ValueTask<Socket>> _connect;
    private readonly string _capsule;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private long _closedUntilTicks;

    /// <param name="connect">Opens a TCP connection to the guest's lane port.</param>
    /// <param name="capsule">The capsule, for logs.</param>
    /// <param name="logger">Where an unreachable lane is reported.</param>
    /// <param name="time">The clock of the retry pause.</param>
    public FileLaneConnector(Func<CancellationToken, ValueTask<Socket>> connect, string capsule, ILogger logger, TimeProvider time)
    {
        _connect = connect;
        _capsule = capsule;
        _logger = logger;
        _time = time;
    }

    /// <summary>The lane of a guest whose network card sits in the namespace at <paramref name="namespacePath"/>.</summary>
    public static FileLaneConnector InNamespace(string namespacePath, string capsule, ILogger logger, TimeProvider time) =>
        new(async cancellationToken =>
        {
            // Made inside the capsule's namespace: the guest's address exists only there, and the
            // namespace's firewall lets in only what answers a connection made from it.
            var socket = await NetworkNamespace.CreateSocketAsync(namespacePath, AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp).ConfigureAwait(false);
            try
            {
                await socket.ConnectAsync(new IPEndPoint(IPAddress.Parse(CapsuleNetwork.GuestAddress), FileLane.Port), cancellationToken).ConfigureAwait(false);
                return socket;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }, capsule, logger, time);

    /// <summary>False for a minute after the lane could not be opened.</summary>
    public bool IsOpen => _time.GetUtcNow().UtcTicks >= Interlocked.Read(ref _closedUntilTicks);

    /// <summary>
    /// A lane connection that has presented <paramref name="ticket"/> to a greeting guest agent, or
    /// null when the lane cannot be opened now.
    /// </summary>
    public async Task<NetworkStream?> TryOpenAsync(ReadOnlyMemory<byte> ticket, CancellationToken cancellationToken)
    {
        if (!IsOpen)
        {
            return null;
        }

        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(ConnectTimeout);
        Socket? socket = null;
        try
        {
            socket = await _connect(limit.Token).ConfigureAwait(false);
            socket.NoDelay = true;
            var greeting = new byte[1];
            if (await socket.ReceiveAsync(greeting, SocketFlags.None, limit.Token).ConfigureAwait(false) != 1 || greeting[0] != FileLane.Greeting)
            {
                throw new IOException("the guest did not greet as a file lane");
            }

            var stream = new NetworkStream(socket, ownsSocket: true);
            await stream.WriteAsync(ticket, limit.Token).ConfigureAwait(false);
            FileLaneMetrics.Connected(FileLaneMetrics.Opened);
            return stream;
        }
        catch (Exception exception) when (exception is SocketException or IOException || (exception is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            socket?.Dispose();
            Interlocked.Exchange(ref _closedUntilTicks, (_time.GetUtcNow() + RetryAfter).UtcTicks);
            FileLaneMetrics.Connected(FileLaneMetrics.Unreachable);
            LogUnreachable(_logger, _capsule, exception.Message);
            return null;
        }
    }

    [LoggerMessage(EventId = 1106, Level = LogLevel.Information, Message = "The file lane of {Capsule} cannot be opened ({Reason}): its files go over the agent link for a minute")]
    private static partial void LogUnreachable(ILogger logger, string capsule, string reason);
}
