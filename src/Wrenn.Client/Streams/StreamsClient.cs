using System.Globalization;
using System.Runtime.CompilerServices;

namespace Wrenn.Client;

/// <summary>
/// The WebSocket streams of processes and builds: streaming exec, attaching to a running process
/// and following a build's log. (Terminals are <see cref="TerminalsClient"/>.)
/// </summary>
public sealed class StreamsClient
{
    private readonly ApiConnection _api;

    internal StreamsClient(ApiConnection api) => _api = api;

    /// <summary>
    /// Starts a process in a running capsule and streams its output. Returns once it runs
    /// (<see cref="StreamedProcess.Pid"/> and <see cref="StreamedProcess.Tag"/> known).
    /// </summary>
    /// <exception cref="StreamStartException">The command could not be started (bad cwd, user or command, tag in use).</exception>
    /// <exception cref="WrennApiException">The upgrade was refused: unknown capsule, capsule not running…</exception>
    /// <remarks>
    /// <paramref name="binary"/>: output arrives as the exact bytes (base64 on the wire); otherwise as UTF-8 text,
    /// decoded by the server as it streams (invalid bytes become U+FFFD).
    /// </remarks>
    public async Task<ExecSession> ExecAsync(CapsuleId capsule, ExecRequest request, bool binary = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var socket = await OpenAsync(CapsulesClient.Path(capsule) + "/exec/stream", cancellationToken).ConfigureAwait(false);
        try
        {
            return await ExecSession.StartAsync(socket, request, binary, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await socket.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Observes a running non-PTY process (started in the background, or another stream's): its
    /// retained output, its live output, then its exit.
    /// </summary>
    /// <param name="capsule">The capsule.</param>
    /// <param name="selector">The process's tag, or its PID in digits.</param>
    /// <param name="cancellationToken">Cancels the attach.</param>
    /// <exception cref="NotFoundException">No such process (or capsule).</exception>
    /// <exception cref="InvalidRequestException">The process is a PTY session (use <see cref="TerminalsClient.ConnectAsync"/>).</exception>
    public async Task<AttachedProcess> AttachAsync(CapsuleId capsule, string selector, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(selector);
        var path = $"{CapsulesClient.Path(capsule)}/processes/{Uri.EscapeDataString(selector)}/stream";
        var socket = await OpenAsync(path, cancellationToken).ConfigureAwait(false);
        try
        {
            return await AttachedProcess.AttachAsync(socket, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await socket.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Observes the running process with guest PID <paramref name="pid"/>; as <see cref="AttachAsync(CapsuleId, string, CancellationToken)"/>.</summary>
    public Task<AttachedProcess> AttachAsync(CapsuleId capsule, int pid, CancellationToken cancellationToken = default)
        => AttachAsync(capsule, pid.ToString(CultureInfo.InvariantCulture), cancellationToken);

    /// <summary>
    /// Follows a template build's log (<c>GET /v1/builds/{id}/logs</c> upgraded): the steps already
    /// finished, then the running step's output as it is produced, each step as it ends and every
    /// status change. Ends after the build's final status (<see cref="BuildStatusChanged.IsFinished"/>),
    /// or at once if the build is deleted meanwhile. Connects when the enumeration starts.
    /// </summary>
    /// <param name="build">The build to follow.</param>
    /// <param name="cancellationToken">Stops following (the build is not affected).</param>
    /// <exception cref="NotFoundException">No such build in the team.</exception>
    public async IAsyncEnumerable<BuildLogEvent> FollowBuildLogsAsync(BuildId build, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var socket = await OpenAsync($"v1/builds/{build.Value}/logs", cancellationToken).ConfigureAwait(false);
        await using (socket.ConfigureAwait(false))
        {
            while (await socket.ReceiveAsync(cancellationToken).ConfigureAwait(false) is { } received)
            {
                var message = BuildLogMessage.Parse(received.Span);
                if (message.Type == "error")
                {
                    throw await socket.FailAsync(message.Data, started: true).ConfigureAwait(false);
                }

                if (message.ToEvent() is { } next)
                {
                    yield return next;
                }
            }
        }
    }

    private async Task<MessageSocket> OpenAsync(string path, CancellationToken cancellationToken)
        => new(await _api.ConnectWebSocketAsync(path, cancellationToken).ConfigureAwait(false));
}
