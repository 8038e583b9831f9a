using System.Net;
using System.Net.Sockets;
using Wrenn.Agent.Protocol.Lane;

namespace Wrenn.GuestAgent.Files;

/// <summary>
/// Accepts file lane connections (docs/file-lane.md): greets each, reads the ticket it presents,
/// and hands it to <see cref="LaneTickets"/>. A connection that presents no ticket in time is closed.
/// </summary>
internal sealed partial class FileLaneListener(LaneTickets tickets, ILogger<FileLaneListener> logger) : IDisposable
{
    private static readonly TimeSpan TicketTimeout = TimeSpan.FromSeconds(5);
    private Socket? _listener;

    /// <summary>Where the lane listens (an ephemeral port in tests), once <see cref="Start"/> succeeded.</summary>
    public IPEndPoint? EndPoint => _listener?.LocalEndPoint as IPEndPoint;

    /// <summary>Listens on <paramref name="endpoint"/>; false (the lane stays closed, files use the link) when it cannot.</summary>
    public bool Start(IPEndPoint endpoint)
    {
        var listener = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            listener.Bind(endpoint);
            listener.Listen(16);
        }
        catch (SocketException exception)
        {
            listener.Dispose();
            LogUnavailable(logger, endpoint, exception.SocketErrorCode);
            return false;
        }

        _listener = listener;
        _ = AcceptLoopAsync(listener);
        return true;
    }

    public void Dispose() => _listener?.Dispose();

    private async Task AcceptLoopAsync(Socket listener)
    {
        while (true)
        {
            Socket connection;
            try
            {
                connection = await listener.AcceptAsync().ConfigureAwait(false);
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (SocketException)
            {
                // One failed accept (a connection reset while queued): the next.
                continue;
            }

            _ = ReceiveTicketAsync(connection);
        }
    }

    private async Task ReceiveTicketAsync(Socket connection)
    {
        var ticket = new byte[FileLane.TicketBytes];
        try
        {
            connection.NoDelay = true;
            using var limit = new CancellationTokenSource(TicketTimeout);
            await connection.SendAsync(new[] { FileLane.Greeting }, SocketFlags.None, limit.Token).ConfigureAwait(false);
            var received = 0;
            while (received < ticket.Length)
            {
                var count = await connection.ReceiveAsync(ticket.AsMemory(received), SocketFlags.None, limit.Token).ConfigureAwait(false);
                if (count == 0)
                {
                    connection.Dispose();
                    return;
                }

                received += count;
            }
        }
        catch (Exception exception) when (exception is SocketException or OperationCanceledException)
        {
            connection.Dispose();
            return;
        }

        await tickets.ArriveAsync(ticket, connection).ConfigureAwait(false);
    }

    [LoggerMessage(EventId = 110, Level = LogLevel.Warning, Message = "The file lane cannot listen on {EndPoint} ({Error}): files go over the host link only")]
    private static partial void LogUnavailable(ILogger logger, IPEndPoint endPoint, SocketError error);
}
