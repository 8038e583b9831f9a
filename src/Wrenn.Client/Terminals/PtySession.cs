using System.Buffers;
using System.Buffers.Text;
using System.Text;

namespace Wrenn.Client;

/// <summary>
/// An attached terminal session. Input, resizes and kills are sent strictly in order (any thread may
/// send); output is read with <see cref="ReadAsync"/> or <see cref="ReadAllAsync"/>, one reader at a
/// time, continuously (the server drops a connection it cannot ping for 60 s). Disposing detaches:
/// the session keeps running and <see cref="TerminalsClient.ConnectAsync"/> re-attaches by
/// <see cref="Tag"/>.
/// </summary>
/// <remarks>
/// A fatal server error is thrown from the read as <see cref="WrennStreamException"/>: another
/// connection took the session over, or (as <see cref="StreamInterruptedException"/>) the capsule
/// was paused or deleted. Cancelling a read detaches, as disposing does (the session lives on).
/// </remarks>
public sealed class PtySession : IAsyncDisposable
{
    /// <summary>Raw input per message: its base64 stays well under the server's 1 MiB message limit.</summary>
    private const int MaxInputChunk = 512 * 1024;

    private static readonly ReadOnlyMemory<byte> Kill = "{\"type\":\"kill\"}"u8.ToArray();

    private readonly MessageSocket _socket;
    private readonly EventReader<PtyEvent> _events;

    private PtySession(MessageSocket socket, string tag, int pid)
    {
        _socket = socket;
        _events = new EventReader<PtyEvent>(socket, base64Output: true, Translate, "without an exit");
        Tag = tag;
        Pid = pid;
    }

    /// <summary>The session's tag, to re-attach by.</summary>
    public string Tag { get; }

    /// <summary>The guest PID of the session's process.</summary>
    public int Pid { get; }

    /// <summary>Writes <paramref name="input"/> to the terminal (keystrokes, pasted text; <c>0x03</c> is Ctrl-C).</summary>
    public async ValueTask WriteAsync(ReadOnlyMemory<byte> input, CancellationToken cancellationToken = default)
    {
        do
        {
            var chunk = input[..Math.Min(input.Length, MaxInputChunk)];
            await _socket.SendAsync(chunk, static (buffer, bytes) =>
            {
                buffer.Write("{\"type\":\"input\",\"data\":\""u8);
                var span = buffer.GetSpan(Base64.GetMaxEncodedToUtf8Length(bytes.Length));
                Base64.EncodeToUtf8(bytes.Span, span, out _, out var written);
                buffer.Advance(written);
                buffer.Write("\"}"u8);
            }, cancellationToken).ConfigureAwait(false);
            input = input[chunk.Length..];
        }
        while (!input.IsEmpty);
    }

    /// <summary>Writes <paramref name="text"/> to the terminal as UTF-8.</summary>
    public ValueTask WriteAsync(string text, CancellationToken cancellationToken = default)
        => WriteAsync(Encoding.UTF8.GetBytes(text), cancellationToken);

    /// <summary>Resizes the terminal (its process gets SIGWINCH).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="cols"/> or <paramref name="rows"/> is outside 1–1000.</exception>
    public ValueTask ResizeAsync(int cols, int rows, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(cols, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(cols, 1000);
        ArgumentOutOfRangeException.ThrowIfLessThan(rows, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(rows, 1000);
        return _socket.SendJsonAsync(new PtyResizeMessage("resize", cols, rows), WrennJson.Default.PtyResizeMessage, cancellationToken);
    }

    /// <summary>Kills the session's process group (SIGKILL); its <see cref="PtyExit"/> follows.</summary>
    public ValueTask KillAsync(CancellationToken cancellationToken = default) => _socket.SendAsync(Kill, cancellationToken);

    /// <summary>The next event; null after the <see cref="PtyExit"/>, or once detached.</summary>
    /// <exception cref="WrennStreamException">The session's connection ended: taken over, capsule paused or deleted, connection lost.</exception>
    public ValueTask<PtyEvent?> ReadAsync(CancellationToken cancellationToken = default) => _events.ReadAsync(cancellationToken);

    /// <summary>Every event to the <see cref="PtyExit"/> (or the detach).</summary>
    public IAsyncEnumerable<PtyEvent> ReadAllAsync(CancellationToken cancellationToken = default) => _events.ReadAllAsync(cancellationToken);

    /// <summary>Detaches: the connection closes after the input already sent; the session keeps running.</summary>
    public ValueTask DisposeAsync() => _socket.DisposeAsync();

    /// <summary>Output, the exit, and non-fatal errors are events; a fatal error ends the reading (thrown).</summary>
    private static PtyEvent? Translate(StreamMessage message) => message.Type switch
    {
        StreamMessageType.Output => new PtyOutput(message.Bytes ?? []),
        StreamMessageType.Exit => new PtyExit(message.ExitCode),
        StreamMessageType.Error when !message.Fatal => new PtyError(message.Text ?? string.Empty),
        _ => null,
    };

    /// <summary>Waits for the server's <c>started</c> after <c>start</c> or <c>connect</c>.</summary>
    internal static async Task<PtySession> AttachAsync(MessageSocket socket, CancellationToken cancellationToken)
    {
        while (true)
        {
            if (await socket.ReceiveAsync(cancellationToken).ConfigureAwait(false) is not { } received)
            {
                throw socket.ClosedEarly("before the session started");
            }

            var message = StreamMessage.Parse(received.Span, base64Output: true);
            switch (message.Type)
            {
                case StreamMessageType.Started:
                    return new PtySession(socket, message.Tag ?? string.Empty, message.Pid);
                case StreamMessageType.Error when message.Fatal:
                    throw await socket.FailAsync(message.Text, started: false).ConfigureAwait(false);
                default:
                    continue;
            }
        }
    }
}
