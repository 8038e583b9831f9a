using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Wrenn.ControlPlane.Tests.Server;

namespace Wrenn.ControlPlane.Tests.Streams;

/// <summary>
/// A stream WebSocket over a TCP socket the test owns, so it can lose the connection the way a
/// network does: no close frame, just FIN or RST (ClientWebSocket cannot be made to do that reliably).
/// </summary>
public sealed class RawSocket : IDisposable
{
    private readonly Socket _tcp;
    private readonly WebSocket _socket;

    private RawSocket(Socket tcp, WebSocket socket)
    {
        _tcp = tcp;
        _socket = socket;
    }

    public static async Task<RawSocket> ConnectAsync(WrennServer server, string path)
    {
        var tcp = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await tcp.ConnectAsync(new IPEndPoint(IPAddress.Loopback, server.Port));
        var stream = new NetworkStream(tcp, ownsSocket: false);
        var request = $"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{server.Port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + $"Sec-WebSocket-Key: {Convert.ToBase64String(Guid.NewGuid().ToByteArray())}\r\nSec-WebSocket-Version: 13\r\nX-API-Key: {server.AdminKey}\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        var head = await ReadHeadAsync(stream);
        Assert.StartsWith("HTTP/1.1 101", head, StringComparison.Ordinal);
        return new RawSocket(tcp, WebSocket.CreateFromStream(stream, new WebSocketCreationOptions { IsServer = false, KeepAliveInterval = TimeSpan.Zero }));
    }

    /// <summary>The reply head up to the blank line, read a byte at a time so no frame byte is consumed.</summary>
    private static async Task<string> ReadHeadAsync(NetworkStream stream)
    {
        var head = new StringBuilder();
        var one = new byte[1];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
        {
            Assert.Equal(1, await stream.ReadAsync(one, timeout.Token));
            head.Append((char)one[0]);
        }

        return head.ToString();
    }

    public Task SendAsync(object message) =>
        _socket.SendAsync(JsonSerializer.SerializeToUtf8Bytes(message), WebSocketMessageType.Text, true, CancellationToken.None);

    /// <summary>The next message (each small enough for one read).</summary>
    public async Task<JsonElement> ReceiveAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var buffer = new byte[64 * 1024];
        var result = await _socket.ReceiveAsync(buffer, timeout.Token);
        Assert.True(result.EndOfMessage);
        return JsonDocument.Parse(buffer.AsMemory(0, result.Count)).RootElement.Clone();
    }

    /// <summary>Ends the TCP connection without a close frame: with RST (<paramref name="reset"/>), else with FIN.</summary>
    public void Drop(bool reset)
    {
        if (reset)
        {
            _tcp.LingerState = new LingerOption(true, 0);
        }
        else
        {
            _tcp.Shutdown(SocketShutdown.Both);
        }

        _tcp.Close();
    }

    public void Dispose()
    {
        _tcp.Dispose();
        _socket.Dispose();
    }
}
