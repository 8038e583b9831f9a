namespace Wrenn.Client;

/// <summary>
/// A process's output as it is produced: <see cref="ExecOutput"/> chunks, then its
/// <see cref="ExecExit"/>. Read it with <see cref="ReadAsync"/> or <see cref="ReadAllAsync"/>, one
/// reader at a time and without long pauses (the server drops a connection it cannot ping for
/// 60 s; a slow reader holds the process back, output is never dropped).
/// </summary>
/// <remarks>
/// A terminal <c>error</c> from the server is thrown as <see cref="WrennStreamException"/> (a paused
/// or deleted capsule as <see cref="StreamInterruptedException"/>): the stream then has no exit.
/// Cancelling a read closes the stream as disposing does: a streamed exec's process is killed.
/// </remarks>
public abstract class StreamedProcess : IAsyncDisposable
{
    private readonly MessageSocket _socket;
    private readonly EventReader<ExecEvent> _events;

    private protected StreamedProcess(MessageSocket socket, bool binary, int pid, string tag)
    {
        _socket = socket;
        _events = new EventReader<ExecEvent>(socket, binary, Translate, "before the process exited");
        Pid = pid;
        Tag = tag;
    }

    /// <summary>The process's guest PID.</summary>
    public int Pid { get; }

    /// <summary>The process's tag.</summary>
    public string Tag { get; }

    private protected MessageSocket Socket => _socket;

    /// <summary>The next event; null after the <see cref="ExecExit"/> (or once disposed).</summary>
    /// <exception cref="WrennStreamException">The stream ended without an exit.</exception>
    public ValueTask<ExecEvent?> ReadAsync(CancellationToken cancellationToken = default) => _events.ReadAsync(cancellationToken);

    /// <summary>Every event to the <see cref="ExecExit"/>.</summary>
    public IAsyncEnumerable<ExecEvent> ReadAllAsync(CancellationToken cancellationToken = default) => _events.ReadAllAsync(cancellationToken);

    /// <summary>
    /// Closes the connection. Before the exit, a streamed exec's process is killed; an attached
    /// process is not affected.
    /// </summary>
    public ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        return _socket.DisposeAsync();
    }

    /// <summary>Reads the <c>start</c> message that opens both protocols: the process's pid and tag.</summary>
    private protected static async Task<(int Pid, string Tag)> ReadStartAsync(MessageSocket socket, CancellationToken cancellationToken)
    {
        while (true)
        {
            if (await socket.ReceiveAsync(cancellationToken).ConfigureAwait(false) is not { } received)
            {
                throw socket.ClosedEarly("before the process started");
            }

            var message = StreamMessage.Parse(received.Span, base64Output: false);
            switch (message.Type)
            {
                case StreamMessageType.Start:
                    return (message.Pid, message.Tag ?? string.Empty);
                case StreamMessageType.Error:
                    throw await socket.FailAsync(message.Text, started: false).ConfigureAwait(false);
                default:
                    continue;
            }
        }
    }

    private static ExecEvent? Translate(StreamMessage message) => message.Type switch
    {
        StreamMessageType.Stdout => new ExecOutput(OutputStreamKind.Stdout, message.Bytes, message.Text),
        StreamMessageType.Stderr => new ExecOutput(OutputStreamKind.Stderr, message.Bytes, message.Text),
        StreamMessageType.Exit => new ExecExit(message.ExitCode, message.TimedOut),
        _ => null,
    };
}
