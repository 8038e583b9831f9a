namespace Wrenn.Client;

/// <summary>
/// An observer of a running process (<see cref="StreamsClient.AttachAsync(CapsuleId, string, CancellationToken)"/>):
/// the process's retained output (its last 256 KiB), then its live output as UTF-8 text, then its exit.
/// Disposing it never affects the process.
/// </summary>
public sealed class AttachedProcess : StreamedProcess
{
    private AttachedProcess(MessageSocket socket, int pid, string tag)
        : base(socket, binary: false, pid, tag)
    {
    }

    /// <summary>Waits for the server's <c>start</c>.</summary>
    internal static async Task<AttachedProcess> AttachAsync(MessageSocket socket, CancellationToken cancellationToken)
    {
        var (pid, tag) = await ReadStartAsync(socket, cancellationToken).ConfigureAwait(false);
        return new AttachedProcess(socket, pid, tag);
    }
}
