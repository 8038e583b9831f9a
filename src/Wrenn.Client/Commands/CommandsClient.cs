namespace Wrenn.Client;

/// <summary>Running commands in a capsule (<c>/v1/capsules/{id}/exec</c>).</summary>
public sealed class CommandsClient
{
    /// <summary>What a foreground exec may take beyond its own timeout: the server answers within 2 s of it.</summary>
    private static readonly TimeSpan ReplyMargin = TimeSpan.FromSeconds(10);

    private readonly ApiConnection _api;

    internal CommandsClient(ApiConnection api) => _api = api;

    /// <summary>
    /// Runs a command and waits for it to exit. A non-zero exit is a result, not an exception.
    /// Cancelling the call kills the command's process group.
    /// </summary>
    public async Task<ExecResult> RunAsync(CapsuleId capsule, ExecRequest command, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(command);
        using var request = Request(capsule, command, background: false);
        // The command may run for its whole timeout (default 30 s): the call must not be cut before the reply.
        var limit = TimeSpan.FromSeconds(command.TimeoutSec is { } seconds and > 0 ? seconds : 30) + ReplyMargin;
        var reply = await _api.SendAsync(request, WrennJson.Default.ExecReply, cancellationToken, limit: limit).ConfigureAwait(false);
        return ExecResult.Of(reply);
    }

    /// <summary>Starts a command in the background and returns once it runs.</summary>
    public async Task<BackgroundProcess> StartAsync(CapsuleId capsule, ExecRequest command, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(command);
        using var request = Request(capsule, command, background: true);
        return await _api.SendAsync(request, WrennJson.Default.BackgroundProcess, cancellationToken).ConfigureAwait(false);
    }

    private static HttpRequestMessage Request(CapsuleId capsule, ExecRequest command, bool background) =>
        new(HttpMethod.Post, CapsulesClient.Path(capsule) + "/exec")
        {
            Content = ApiConnection.Json(ExecBody.Of(command, background), WrennJson.Default.ExecBody),
        };
}
