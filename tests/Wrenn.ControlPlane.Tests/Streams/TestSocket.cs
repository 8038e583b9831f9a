using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Wrenn.ControlPlane.Tests.Server;

namespace Wrenn.ControlPlane.Tests.Streams;

/// <summary>A client of the stream protocols: JSON text messages in, JSON text messages out.</summary>
public sealed class TestSocket : IDisposable
{
    private readonly ClientWebSocket _socket = new();

    public WebSocketCloseStatus? CloseStatus => _socket.CloseStatus;

    public static async Task<TestSocket> ConnectAsync(WrennServer server, string path, string? key = "")
    {
        var socket = new TestSocket();
        if (key is not null)
        {
            socket._socket.Options.SetRequestHeader("X-API-Key", key.Length == 0 ? server.AdminKey : key);
        }

        var uri = new Uri($"ws://127.0.0.1:{server.Port}{path}");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await socket._socket.ConnectAsync(uri, timeout.Token);
        return socket;
    }

    public Task SendAsync(object message) =>
        _socket.SendAsync(JsonSerializer.SerializeToUtf8Bytes(message), WebSocketMessageType.Text, true, CancellationToken.None);

    /// <summary>The next message, or null when the server closed the socket.</summary>
    public async Task<JsonElement?> ReceiveAsync(int seconds = 60)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        while (true)
        {
            var result = await _socket.ReceiveAsync(buffer, timeout.Token);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return null;
            }

            Assert.Equal(WebSocketMessageType.Text, result.MessageType);
            message.Write(buffer, 0, result.Count);
            if (result.EndOfMessage)
            {
                return JsonDocument.Parse(message.ToArray()).RootElement.Clone();
            }
        }
    }

    /// <summary>Every message until the server closes, in order.</summary>
    public async Task<List<JsonElement>> ReceiveAllAsync(int seconds = 60)
    {
        var messages = new List<JsonElement>();
        while (await ReceiveAsync(seconds) is { } message)
        {
            messages.Add(message);
        }

        return messages;
    }

    /// <summary>Messages until one of <paramref name="type"/> arrives (included).</summary>
    public async Task<List<JsonElement>> ReceiveUntilAsync(string type, int seconds = 60)
    {
        var messages = new List<JsonElement>();
        while (await ReceiveAsync(seconds) is { } message)
        {
            messages.Add(message);
            if (message.GetProperty("type").GetString() == type)
            {
                break;
            }
        }

        return messages;
    }

    public static string Text(IEnumerable<JsonElement> messages, string type) =>
        string.Concat(messages.Where(m => m.GetProperty("type").GetString() == type).Select(m => m.GetProperty("data").GetString()));

    public static string PtyText(IEnumerable<JsonElement> messages) =>
        string.Concat(messages.Where(m => m.GetProperty("type").GetString() == "output")
            .Select(m => Encoding.UTF8.GetString(Convert.FromBase64String(m.GetProperty("data").GetString()!))));

    public Task CloseAsync() => _socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None);

    public void Dispose() => _socket.Dispose();
}
