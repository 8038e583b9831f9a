using System.Collections.Concurrent;
using System.Threading.Channels;
using Grpc.Core;
using Wrenn.Agent.Protocol;
using Wrenn.ControlPlane.Capsules;
using Wrenn.ControlPlane.Guest;
using Wrenn.ControlPlane.Identity;

namespace Wrenn.ControlPlane.E2b.Envd;

/// <summary>
/// The terminals (PTY processes) started through the E2B surface. E2B addresses a terminal by pid
/// with unary calls (input, resize: the agent's unary <c>Pty.Send</c>, from any control plane)
/// beside the stream that started it, while the guest agent's terminal session is one two-way
/// call: a control plane holds that call for the terminal's life and hands its output to whichever
/// stream watches the terminal now (the one that started it, or a later Connect). A Connect that
/// reaches a control plane which does not hold the terminal (another one, or this one after a
/// restart) takes the session over. Output while no stream watches is dropped, as E2B's daemon
/// does. A terminal ends with its process, or when its capsule is paused or deleted.
/// </summary>
internal sealed class Terminals(GuestAccess access)
{
    private readonly ConcurrentDictionary<(string Capsule, int Pid), Terminal> _open = new();

    /// <summary>Starts the terminal in the capsule and holds it; answers once the agent reported its pid.</summary>
    public Task<Terminal> StartAsync(CapsuleRecord record, PtyStart start, CancellationToken cancellationToken) =>
        HoldAsync(record, new PtyClientMessage { Start = start }, start.Cmd, cancellationToken);

    /// <summary>
    /// Takes over the capsule's terminal of that pid, which no call of this control plane holds (one
    /// started before this process restarted, or through another control plane, whose hold ends).
    /// </summary>
    public Task<Terminal> TakeOverAsync(CapsuleRecord record, uint pid, CancellationToken cancellationToken) =>
        HoldAsync(record, new PtyClientMessage { Connect = new PtyConnect { Tag = pid.ToString(System.Globalization.CultureInfo.InvariantCulture) } }, "terminal",
            cancellationToken);

    private async Task<Terminal> HoldAsync(CapsuleRecord record, PtyClientMessage opening, string subject, CancellationToken cancellationToken)
    {
        // The session outlives the request that opens the terminal: only pause and delete end it.
        var session = await access.OpenAsync(Caller.System(new TeamId(record.TeamId)), record.Id, CancellationToken.None, busy: false).ConfigureAwait(false);
        var call = session.Agent.Pty.Open(cancellationToken: session.Token);
        try
        {
            await call.RequestStream.WriteAsync(opening, cancellationToken).ConfigureAwait(false);
            var first = await session.CallAsync(async () => await call.ResponseStream.MoveNext(cancellationToken).ConfigureAwait(false)
                ? call.ResponseStream.Current
                : null, subject, lookup: true).ConfigureAwait(false);
            if (first?.Started is not { } started)
            {
                throw new ConnectException(ConnectCode.Internal, "the guest agent did not open the terminal");
            }

            var terminal = new Terminal(started.Pid, session, call);
            _open[(record.Id, started.Pid)] = terminal;
            _ = terminal.PumpAsync(() => _open.TryRemove(new KeyValuePair<(string, int), Terminal>((record.Id, started.Pid), terminal)));
            return terminal;
        }
        catch
        {
            call.Dispose();
            session.Dispose();
            throw;
        }
    }

    /// <summary>The capsule's terminal of that pid, if this control plane holds it.</summary>
    public Terminal? Find(string capsuleId, uint pid) => _open.TryGetValue((capsuleId, (int)pid), out var terminal) ? terminal : null;
}

/// <summary>One held terminal session (see <see cref="Terminals"/>).</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "The input lock is a SemaphoreSlim whose wait handle is never asked for: it holds no OS resource, and input may still be waiting on it when the terminal ends.")]
internal sealed class Terminal(int pid, GuestSession session, AsyncDuplexStreamingCall<PtyClientMessage, PtyServerMessage> call)
{
    private readonly SemaphoreSlim _input = new(1, 1);
    private readonly Lock _sync = new();
    private Channel<PtyServerMessage>? _watcher;
    private bool _ended;

    public int Pid { get; } = pid;

    /// <summary>
    /// Makes the caller the terminal's watcher: the output from now on, then the exit; the previous
    /// watcher's stream ends. An ended terminal's channel is already complete.
    /// </summary>
    public ChannelReader<PtyServerMessage> Watch()
    {
        var channel = Channel.CreateBounded<PtyServerMessage>(new BoundedChannelOptions(64) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
        lock (_sync)
        {
            _watcher?.Writer.TryComplete();
            _watcher = channel;
            if (_ended)
            {
                channel.Writer.TryComplete();
            }
        }

        return channel.Reader;
    }

    /// <summary>Stops watching, if <paramref name="watcher"/> still is the watcher.</summary>
    public void Unwatch(ChannelReader<PtyServerMessage> watcher)
    {
        lock (_sync)
        {
            if (_watcher is { } current && ReferenceEquals(current.Reader, watcher))
            {
                current.Writer.TryComplete();
                _watcher = null;
            }
        }
    }

    /// <summary>Applies one client message (input, resize, kill) after those before it.</summary>
    public async Task SendAsync(PtyClientMessage message, CancellationToken cancellationToken)
    {
        await _input.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await session.CallAsync(async () =>
            {
                await call.RequestStream.WriteAsync(message, cancellationToken).ConfigureAwait(false);
                return true;
            }).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is InvalidOperationException or ObjectDisposedException)
        {
            // The call has ended: the terminal is gone.
            throw new ConnectException(ConnectCode.NotFound, "the terminal has ended");
        }
        finally
        {
            _input.Release();
        }
    }

    /// <summary>Relays the session's messages to the watcher until the terminal ends, then forgets it.</summary>
    public async Task PumpAsync(Action forget)
    {
        try
        {
            while (await call.ResponseStream.MoveNext(session.Token).ConfigureAwait(false))
            {
                Channel<PtyServerMessage>? watcher;
                lock (_sync)
                {
                    watcher = _watcher;
                }

                if (watcher is null)
                {
                    continue;
                }

                try
                {
                    await watcher.Writer.WriteAsync(call.ResponseStream.Current, session.Token).ConfigureAwait(false);
                }
                catch (ChannelClosedException)
                {
                    // The watcher left meanwhile: its output is dropped.
                }
            }
        }
        catch (Exception exception) when (exception is RpcException or OperationCanceledException)
        {
            // Paused, deleted, or the session was taken over elsewhere: the terminal ends here.
        }
        finally
        {
            lock (_sync)
            {
                _ended = true;
                _watcher?.Writer.TryComplete();
            }

            forget();
            call.Dispose();
            session.Dispose();
        }
    }
}
