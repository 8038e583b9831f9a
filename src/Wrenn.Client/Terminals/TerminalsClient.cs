namespace Wrenn.Client;

/// <summary>Terminal (PTY) sessions in capsules: started, detached, re-attached by tag, killed.</summary>
public sealed class TerminalsClient
{
    private readonly ApiConnection _api;

    internal TerminalsClient(ApiConnection api) => _api = api;

    /// <summary>Starts a terminal session (default <c>/bin/bash</c>, 80×24) and attaches to it.</summary>
    /// <exception cref="StreamStartException">The session could not start (bad user, cwd or command, tag in use).</exception>
    /// <exception cref="WrennApiException">The upgrade was refused: unknown capsule, capsule not running…</exception>
    public Task<PtySession> StartAsync(CapsuleId capsule, PtyOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new PtyOptions();
        var start = new PtyStartMessage("start", options.Cmd, options.Args, options.Cols, options.Rows, options.Envs, options.Cwd, options.User, options.Tag);
        return OpenAsync(capsule, socket => socket.SendJsonAsync(start, WrennJson.Default.PtyStartMessage, cancellationToken), cancellationToken);
    }

    /// <summary>
    /// Re-attaches to a session by its tag; its output from while it was detached (the last 64 KiB)
    /// comes first. Another connection attached to it is ended.
    /// </summary>
    /// <exception cref="StreamStartException">No live session has that tag.</exception>
    public Task<PtySession> ConnectAsync(CapsuleId capsule, string tag, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(tag);
        var connect = new PtyConnectMessage("connect", tag);
        return OpenAsync(capsule, socket => socket.SendJsonAsync(connect, WrennJson.Default.PtyConnectMessage, cancellationToken), cancellationToken);
    }

    private async Task<PtySession> OpenAsync(CapsuleId capsule, Func<MessageSocket, ValueTask> first, CancellationToken cancellationToken)
    {
        var socket = new MessageSocket(await _api.ConnectWebSocketAsync(CapsulesClient.Path(capsule) + "/pty", cancellationToken).ConfigureAwait(false));
        try
        {
            await first(socket).ConfigureAwait(false);
            return await PtySession.AttachAsync(socket, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await socket.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }
}
