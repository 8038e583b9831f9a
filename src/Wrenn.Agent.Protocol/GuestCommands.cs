namespace Wrenn.Agent.Protocol;

/// <summary>Runs a command in the guest to its exit, collecting its output (the sync exec path).</summary>
public static class GuestCommands
{
    /// <summary>
    /// Starts <paramref name="request"/> and waits for its exit. Output beyond
    /// <paramref name="maxBytesPerStream"/> per stream is discarded (the result says so) while the
    /// process runs on. Cancelling kills the process unless <paramref name="killOnCancel"/> is
    /// false (the caller then decides: a pause must leave it running in the snapshot).
    /// <paramref name="onOutput"/> sees every chunk of output as it arrives (a build's live log).
    /// </summary>
    public static async Task<CommandResult> RunAsync(
        this GuestServices agent, StartRequest request, CancellationToken cancellationToken, long maxBytesPerStream = long.MaxValue, bool killOnCancel = true,
        Action<OutputStream, ReadOnlyMemory<byte>>? onOutput = null)
    {
        ArgumentNullException.ThrowIfNull(agent);
        ArgumentNullException.ThrowIfNull(request);
        request.DetachKills = killOnCancel;
        if (request.Kind == ProcessKind.Unspecified)
        {
            request.Kind = ProcessKind.Exec;
        }

        using var call = agent.Processes.Start(request, cancellationToken: cancellationToken);
        using var stdout = new MemoryStream();
        using var stderr = new MemoryStream();
        Started? started = null;
        var startedAt = System.Diagnostics.Stopwatch.GetTimestamp();
        var truncated = false;
        while (await call.ResponseStream.MoveNext(cancellationToken).ConfigureAwait(false))
        {
            var message = call.ResponseStream.Current;
            switch (message.EventCase)
            {
                case ProcessEvent.EventOneofCase.Started:
                    started = message.Started;
                    startedAt = System.Diagnostics.Stopwatch.GetTimestamp();
                    break;
                case ProcessEvent.EventOneofCase.Output:
                    onOutput?.Invoke(message.Output.Stream, message.Output.Data.Memory);
                    var target = message.Output.Stream == OutputStream.Stderr ? stderr : stdout;
                    var room = (int)Math.Min(maxBytesPerStream - target.Length, message.Output.Data.Length);
                    truncated |= room < message.Output.Data.Length;
                    if (room > 0)
                    {
                        target.Write(message.Output.Data.Span[..room]);
                    }

                    break;
                case ProcessEvent.EventOneofCase.Exited:
                    return new CommandResult(started?.Pid ?? 0, started?.Tag ?? string.Empty, message.Exited.ExitCode,
                        stdout.ToArray(), stderr.ToArray(), message.Exited.TimedOut)
                    {
                        Truncated = truncated,
                        Duration = System.Diagnostics.Stopwatch.GetElapsedTime(startedAt),
                    };
                case ProcessEvent.EventOneofCase.None:
                default:
                    break;
            }
        }

        throw new IOException("the process stream ended without an exit");
    }

    /// <summary>Shorthand: run <paramref name="cmd"/> with <paramref name="args"/>.</summary>
    public static Task<CommandResult> RunAsync(this GuestServices agent, string cmd, params string[] args) =>
        agent.RunAsync(new StartRequest { Cmd = cmd, Args = { args } }, CancellationToken.None);
}
