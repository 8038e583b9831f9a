using System.Buffers;
using System.Net.WebSockets;
using System.Text.Json;
using System.Threading.Channels;
using Wrenn.ControlPlane.Api;
using Wrenn.ControlPlane.Capsules;

namespace Wrenn.ControlPlane.Streams;

/// <summary>
/// A WebSocket of the stream protocols (spec §4.10): text frames holding one JSON object each,
/// client messages up to 1 MiB, every server close preceded by its terminal message. One pump
/// reads the socket into a small bounded queue, so consumers may stop waiting at any time without
/// aborting the socket, and a client that outpaces the consumer is simply not read.
/// </summary>
internal sealed class StreamSocket : IAsyncDisposable
{
    public const int MaxClientMessage = 1024 * 1024;

    /// <summary>Raw bytes carried by one output message at most.</summary>
    public const int MaxDataBytes = 16 * 1024;

    private static readonly TimeSpan CloseHandshake = TimeSpan.FromSeconds(2);
    private readonly WebSocket _socket;
    private readonly SemaphoreSlim _sending = new(1, 1);
    private readonly Channel<JsonElement> _received = Channel.CreateBounded<JsonElement>(new BoundedChannelOptions(8) { SingleReader = true, SingleWriter = true });
    private readonly CancellationTokenSource _abort = new();
    private readonly Task _pump;

    public StreamSocket(WebSocket socket)
    {
        _socket = socket;
        _pump = PumpAsync();
    }

    public bool IsOpen => _socket.State == WebSocketState.Open;

    public async Task SendAsync(object message, CancellationToken cancellationToken)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(message, ApiJson.Options);
        await _sending.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _socket.SendAsync(bytes, WebSocketMessageType.Text, endOfMessage: true, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _sending.Release();
        }
    }

    /// <summary>
    /// The next client message: a JSON object, <see cref="JsonValueKind.Undefined"/> for a text
    /// frame that is not one, or null once the client closed or the socket broke.
    /// </summary>
    public async Task<JsonElement?> ReceiveAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await _received.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException)
        {
            return null;
        }
    }

    private async Task PumpAsync()
    {
        var buffer = new ArrayBufferWriter<byte>();
        try
        {
            while (true)
            {
                var result = await _socket.ReceiveAsync(buffer.GetMemory(16 * 1024), _abort.Token).ConfigureAwait(false);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }

                if (result.MessageType == WebSocketMessageType.Binary)
                {
                    await CloseAsync(WebSocketCloseStatus.InvalidMessageType, "binary frames are not accepted").ConfigureAwait(false);
                    return;
                }

                buffer.Advance(result.Count);
                if (buffer.WrittenCount > MaxClientMessage)
                {
                    await CloseAsync(WebSocketCloseStatus.MessageTooBig, "messages are limited to 1 MiB").ConfigureAwait(false);
                    return;
                }

                if (result.EndOfMessage)
                {
                    await _received.Writer.WriteAsync(Parse(buffer.WrittenMemory), _abort.Token).ConfigureAwait(false);
                    buffer.ResetWrittenCount();
                }
            }
        }
        catch (Exception exception) when (exception is WebSocketException or OperationCanceledException)
        {
            // The connection broke or the socket is being disposed.
        }
        finally
        {
            _received.Writer.TryComplete();
        }
    }

    private static JsonElement Parse(ReadOnlyMemory<byte> bytes)
    {
        try
        {
            using var document = JsonDocument.Parse(bytes);
            return document.RootElement.ValueKind == JsonValueKind.Object ? document.RootElement.Clone() : default;
        }
        catch (JsonException)
        {
            return default;
        }
    }

    /// <summary>Sends the terminal <paramref name="message"/>, then closes with <paramref name="status"/>.</summary>
    public async Task EndAsync(object message, WebSocketCloseStatus status, string description = "")
    {
        if (!IsOpen)
        {
            return;
        }

        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await SendAsync(message, deadline.Token).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is WebSocketException or OperationCanceledException)
        {
            // The client is gone; there is nobody to tell.
        }

        await CloseAsync(status, description).ConfigureAwait(false);
    }

    /// <summary>The terminal error and 1001 when a pause, snapshot or delete ends the capsule's connections.</summary>
    public Task EndForCapsuleAsync(CloseReason reason, bool ptyFatal) =>
        EndAsync(Error(reason == CloseReason.Deleted ? "capsule deleted" : "capsule paused", ptyFatal), WebSocketCloseStatus.EndpointUnavailable);

    /// <summary>An error message; PTY errors carry <c>fatal</c>.</summary>
    public static object Error(string data, bool? fatal = null) =>
        fatal is { } value ? new { type = "error", data, fatal = value } : new { type = "error", data };

    public async Task CloseAsync(WebSocketCloseStatus status, string description)
    {
        if (_socket.State is not (WebSocketState.Open or WebSocketState.CloseReceived))
        {
            return;
        }

        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await _sending.WaitAsync(deadline.Token).ConfigureAwait(false);
            try
            {
                await _socket.CloseOutputAsync(status, description, deadline.Token).ConfigureAwait(false);
            }
            finally
            {
                _sending.Release();
            }
        }
        catch (Exception exception) when (exception is WebSocketException or OperationCanceledException)
        {
            // Already broken: the peer sees the connection end either way.
        }
    }

    /// <summary>Completes the close handshake (answering or briefly awaiting the client's close frame), then aborts.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_socket.State == WebSocketState.CloseReceived)
        {
            // The client closed first: answer its close frame.
            await CloseAsync(WebSocketCloseStatus.NormalClosure, string.Empty).ConfigureAwait(false);
        }
        else if (_socket.State == WebSocketState.CloseSent)
        {
            await Task.WhenAny(_pump, Task.Delay(CloseHandshake)).ConfigureAwait(false);
        }

        await _abort.CancelAsync().ConfigureAwait(false);
        await _pump.ConfigureAwait(false);
        _abort.Dispose();
        _sending.Dispose();
        _socket.Dispose();
    }
}
