namespace Wrenn.Client;

/// <summary>
/// A process started by <see cref="StreamsClient.ExecAsync"/>, its output streamed. Disposing it
/// before the exit kills the process (within a second); a capsule pause does not.
/// </summary>
public sealed class ExecSession : StreamedProcess
{
    private static readonly ReadOnlyMemory<byte> Stop = "{\"type\":\"stop\"}"u8.ToArray();

    private ExecSession(MessageSocket socket, bool binary, int pid, string tag)
        : base(socket, binary, pid, tag)
    {
    }

    /// <summary>
    /// Asks the process to stop: SIGTERM to its process group, SIGKILL 5 s later. The stream goes on to
    /// its <see cref="ExecExit"/>.
    /// </summary>
    public ValueTask StopAsync(CancellationToken cancellationToken = default) => Socket.SendAsync(Stop, cancellationToken);

    /// <summary>Sends the start message and waits for the server's <c>start</c>.</summary>
    internal static async Task<ExecSession> StartAsync(MessageSocket socket, ExecRequest request, bool binary, CancellationToken cancellationToken)
    {
        var start = new ExecStartMessage("start", request.Cmd, request.Args, request.Envs, request.Cwd, request.TimeoutSec, request.Tag, request.User,
            binary ? "base64" : "utf-8");
        await socket.SendJsonAsync(start, WrennJson.Default.ExecStartMessage, cancellationToken).ConfigureAwait(false);
        var (pid, tag) = await ReadStartAsync(socket, cancellationToken).ConfigureAwait(false);
        return new ExecSession(socket, binary, pid, tag);
    }
}

/// <summary>The streaming exec's first client message.</summary>
internal sealed record ExecStartMessage(
    string Type, string Cmd, IReadOnlyList<string>? Args, IReadOnlyDictionary<string, string>? Envs, string? Cwd, int? TimeoutSec, string? Tag,
    string? User, string Encoding);
