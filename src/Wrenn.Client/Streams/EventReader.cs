using System.Runtime.CompilerServices;

namespace Wrenn.Client;

/// <summary>
/// The read loop the exec, attach and PTY protocols share: server messages become events until the
/// terminal one — an exit, or an <c>error</c> the protocol does not deliver as an event, which is
/// thrown. Messages that translate to nothing (the PTY's keep-alive, a newer server's types) are skipped.
/// </summary>
internal sealed class EventReader<TEvent>(MessageSocket socket, bool base64Output, Func<StreamMessage, TEvent?> translate, string ending)
    where TEvent : class
{
    private bool _ended;

    /// <summary>The next event; null after the exit, or once the client closed the socket.</summary>
    public async ValueTask<TEvent?> ReadAsync(CancellationToken cancellationToken)
    {
        while (!_ended)
        {
            if (await socket.ReceiveAsync(cancellationToken).ConfigureAwait(false) is not { } received)
            {
                _ended = true;
                return socket.ClosedByClient ? null : throw socket.ClosedEarly(ending);
            }

            var message = StreamMessage.Parse(received.Span, base64Output);
            _ended = message.Type == StreamMessageType.Exit;
            if (translate(message) is { } next)
            {
                return next;
            }

            if (message.Type == StreamMessageType.Error)
            {
                _ended = true;
                throw await socket.FailAsync(message.Text, started: true).ConfigureAwait(false);
            }
        }

        return null;
    }

    public async IAsyncEnumerable<TEvent> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        while (await ReadAsync(cancellationToken).ConfigureAwait(false) is { } next)
        {
            yield return next;
        }
    }
}
