using System.Buffers;
using System.Net.WebSockets;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Wrenn.Client;

/// <summary>
/// One WebSocket of the stream protocols: whole text messages in, sends serialized (a
/// <see cref="ClientWebSocket"/> allows one send at a time and the server applies messages in
/// order), and a close that completes the handshake so the server sees a client that left, not
/// a broken connection.
/// </summary>
internal sealed class MessageSocket : IAsyncDisposable
{
    /// <summary>A build's step record (two 256 KiB logs, escaped) fits; anything far larger is not a server message.</summary>
    private const int MaxMessage = 16 * 1024 * 1024;

    private static readonly TimeSpan CloseHandshake = TimeSpan.FromSeconds(2);

    private readonly ClientWebSocket _socket;
    private readonly SemaphoreSlim _sending = new(1, 1);
    private readonly ArrayBufferWriter<byte> _outgoing = new(256);
    private readonly TaskCompletionSource _closeReceived = new(TaskCreationOptions.RunContinuationsAsynchronously);

    // 16 KiB of raw output is about 22 KiB of base64 plus the envelope: one buffer holds a usual message.
    private byte[] _incoming = new byte[32 * 1024];
    private int _reading;
    private volatile bool _disposed;
    private volatile bool _cancelled;

    public MessageSocket(ClientWebSocket socket) => _socket = socket;

    /// <summary>How the server closed the socket, once it did.</summary>
    public WebSocketCloseStatus? CloseStatus => _socket.CloseStatus;

    /// <summary>The client closed (disposed) the socket: its end is no failure.</summary>
    public bool ClosedByClient => _disposed;

    /// <summary>
    /// The exception for the server's terminal <c>error</c> (<paramref name="text"/>). Waits briefly
    /// for the close frame that follows it: its code tells a paused or deleted capsule (1001) from a
    /// failure. <paramref name="started"/>: the process or session had started.
    /// </summary>
    public async ValueTask<WrennStreamException> FailAsync(string? text, bool started)
    {
        text ??= "the stream failed";
        using var deadline = new CancellationTokenSource(CloseHandshake);
        try
        {
            while (await ReceiveAsync(deadline.Token).ConfigureAwait(false) is not null)
            {
            }
        }
        catch (Exception exception) when (exception is OperationCanceledException or WrennStreamException)
        {
            // No close frame in time: the error alone decides.
        }

        return CloseStatus switch
        {
            WebSocketCloseStatus.EndpointUnavailable => new StreamInterruptedException(text, text switch
            {
                "capsule paused" => Wrenn.Client.CapsuleStatus.Paused,
                "capsule deleted" => Wrenn.Client.CapsuleStatus.Stopped,
                _ => null,
            }),
            _ when !started => new StreamStartException(text, CloseStatus),
            _ => new WrennStreamException(text, CloseStatus),
        };
    }

    /// <summary>The exception for a close without the protocol's terminal message.</summary>
    public WrennStreamException ClosedEarly(string what)
        => new($"the server closed the stream {what}", CloseStatus);

    /// <summary>
    /// The next whole message (valid until the next call), or null once the server closed the
    /// socket or it was disposed. A broken connection throws <see cref="WrennStreamException"/>.
    /// Cancelling closes the socket normally, then throws: a cancelled <see cref="ClientWebSocket"/>
    /// receive would abort the connection instead, and the server treats a normal close more
    /// reliably (an exec's process is killed, a PTY detached after its last input).
    /// </summary>
    public async ValueTask<ReadOnlyMemory<byte>?> ReceiveAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _reading, 1) != 0)
        {
            throw new InvalidOperationException("the stream is already being read");
        }

        if (_cancelled)
        {
            Volatile.Write(ref _reading, 0);
            throw new InvalidOperationException("a cancelled read closed the stream");
        }

        try
        {
            var count = 0;
            while (true)
            {
                if (count == _incoming.Length)
                {
                    if (count >= MaxMessage)
                    {
                        throw new WrennStreamException("the server sent a message over 16 MiB", null);
                    }

                    Array.Resize(ref _incoming, count * 2);
                }

                var pending = _socket.ReceiveAsync(_incoming.AsMemory(count), CancellationToken.None);
                var result = pending.IsCompleted || !cancellationToken.CanBeCanceled
                    ? await pending.ConfigureAwait(false)
                    : await CloseIfCancelledAsync(pending.AsTask(), cancellationToken).ConfigureAwait(false);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    _closeReceived.TrySetResult();
                    await SendCloseAsync().ConfigureAwait(false);
                    return null;
                }

                count += result.Count;
                if (result.EndOfMessage)
                {
                    return _incoming.AsMemory(0, count);
                }
            }
        }
        catch (Exception exception) when (!cancellationToken.IsCancellationRequested
            && (exception is WebSocketException or ObjectDisposedException || (_disposed && exception is OperationCanceledException)))
        {
            // Disposing the socket under a pending read ends the read: that is the stream's end, not a failure.
            _closeReceived.TrySetResult();
            return _disposed ? null : throw new WrennStreamException("the connection to the server was lost", null, exception);
        }
        finally
        {
            Volatile.Write(ref _reading, 0);
        }
    }

    /// <summary>Sends one text message that <paramref name="write"/> puts into the buffer, after any send before it.</summary>
    public async ValueTask SendAsync<TState>(TState state, Action<IBufferWriter<byte>, TState> write, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await _sending.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_socket.State != WebSocketState.Open)
            {
                throw new WrennStreamException("the stream has ended", CloseStatus);
            }

            _outgoing.ResetWrittenCount();
            write(_outgoing, state);
            await _socket.SendAsync(_outgoing.WrittenMemory, WebSocketMessageType.Text, endOfMessage: true, cancellationToken).ConfigureAwait(false);
        }
        catch (WebSocketException exception)
        {
            throw new WrennStreamException("the connection to the server was lost", null, exception);
        }
        finally
        {
            _sending.Release();
        }
    }

    /// <summary>Sends <paramref name="message"/> as JSON.</summary>
    public ValueTask SendJsonAsync<T>(T message, JsonTypeInfo<T> type, CancellationToken cancellationToken)
        => SendAsync((message, type), static (buffer, state) =>
        {
            using var writer = new Utf8JsonWriter(buffer);
            JsonSerializer.Serialize(writer, state.message, state.type);
        }, cancellationToken);

    /// <summary>Sends a fixed message.</summary>
    public ValueTask SendAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken)
        => SendAsync(message, static (buffer, bytes) => buffer.Write(bytes.Span), cancellationToken);

    /// <summary>
    /// Closes normally (for exec the server then kills the process; a PTY session lives on) and waits
    /// briefly for the server's close frame, so messages already sent are applied before the
    /// connection ends.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (_socket.State == WebSocketState.Open)
        {
            await SendCloseAsync().ConfigureAwait(false);
            using var deadline = new CancellationTokenSource(CloseHandshake);
            try
            {
                if (Volatile.Read(ref _reading) == 0)
                {
                    // Nobody reads: read (and drop) what is left until the server's close frame.
                    while (await ReceiveAsync(deadline.Token).ConfigureAwait(false) is not null)
                    {
                    }
                }
                else
                {
                    await _closeReceived.Task.WaitAsync(deadline.Token).ConfigureAwait(false);
                }
            }
            catch (Exception exception) when (exception is OperationCanceledException or WrennStreamException)
            {
                // Broken or too slow: disposing aborts the connection, which the server treats the same way.
            }
        }

        _socket.Dispose();
    }

    private async Task<ValueWebSocketReceiveResult> CloseIfCancelledAsync(Task<ValueWebSocketReceiveResult> receive, CancellationToken cancellationToken)
    {
        try
        {
            return await receive.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The receive is still pending, so the socket cannot be read again: the stream is over.
            _cancelled = true;
            await SendCloseAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Sends the close frame after any send in progress, unless one was sent; a broken connection is ignored.</summary>
    private async Task SendCloseAsync()
    {
        using var deadline = new CancellationTokenSource(CloseHandshake);
        try
        {
            await _sending.WaitAsync(deadline.Token).ConfigureAwait(false);
            try
            {
                if (_socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
                {
                    await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, string.Empty, deadline.Token).ConfigureAwait(false);
                }
            }
            finally
            {
                _sending.Release();
            }
        }
        catch (Exception exception) when (exception is WebSocketException or OperationCanceledException)
        {
            // The connection ends either way.
        }
    }
}
