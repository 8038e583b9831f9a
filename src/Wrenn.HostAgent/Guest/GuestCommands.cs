using Grpc.Core;
using Wrenn.Agent.Protocol;

namespace Wrenn.HostAgent.Guest;

/// <summary>Runs a command in the guest to its exit, collecting its output (the sync exec path).</summary>
public static class GuestCommands
{
    public static async Task<CommandResult> RunAsync(this GuestAgentClient agent, StartRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(agent);
        ArgumentNullException.ThrowIfNull(request);
        request.DetachKills = true;
        if (request.Kind == ProcessKind.Unspecified)
        {
            request.Kind = ProcessKind.Exec;
        }

        using var call = agent.Processes.Start(request, cancellationToken: cancellationToken);
        using var stdout = new MemoryStream();
        using var stderr = new MemoryStream();
        Started? started = null;
        await foreach (var message in call.ResponseStream.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            switch (message.EventCase)
            {
                case ProcessEvent.EventOneofCase.Started:
                    started = message.Started;
                    break;
                case ProcessEvent.EventOneofCase.Output:
                    var target = message.Output.Stream == OutputStream.Stderr ? stderr : stdout;
                    message.Output.Data.WriteTo(target);
                    break;
                case ProcessEvent.EventOneofCase.Exited:
                    return new CommandResult(started?.Pid ?? 0, started?.Tag ?? string.Empty, message.Exited.ExitCode,
                        stdout.ToArray(), stderr.ToArray(), message.Exited.TimedOut);
                case ProcessEvent.EventOneofCase.None:
                default:
                    break;
            }
        }

        throw new IOException("the process stream ended without an exit");
    }

    /// <summary>Shorthand: run <paramref name="cmd"/> with <paramref name="args"/>.</summary>
    public static Task<CommandResult> RunAsync(this GuestAgentClient agent, string cmd, params string[] args) =>
        agent.RunAsync(new StartRequest { Cmd = cmd, Args = { args } }, CancellationToken.None);
}
