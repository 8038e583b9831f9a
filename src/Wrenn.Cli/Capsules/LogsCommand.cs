using System.CommandLine;
using System.Text;
using Wrenn.Client;

namespace Wrenn.Cli.Capsules;

/// <summary>
/// <c>wrenn capsule logs ID PROCESS</c>: a background process's retained output (its latest 256 KiB),
/// then its live output until it exits; Ctrl-C stops watching and leaves the process alone.
/// </summary>
internal static class LogsCommand
{
    public static Command Create()
    {
        var id = CapsuleArguments.Id();
        var process = new Argument<string>("process") { Description = "The process's tag or pid (see `wrenn capsule exec`, the processes API)" };
        var command = new Command("logs", "Print a background process's output, following it until it exits") { id, process };
        command.SetRun(async (run, cancellationToken) =>
        {
            await using var attached = await run.Client.Streams.AttachAsync(run.Get(id), run.Get(process), cancellationToken).ConfigureAwait(false);
            await using var stdout = Console.OpenStandardOutput();
            await using var stderr = Console.OpenStandardError();
            var (output, errors) = (new StringBuilder(), new StringBuilder());
            await foreach (var message in attached.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                switch (message)
                {
                    case ExecOutput chunk when run.Out.Json:
                        (chunk.Stream == OutputStreamKind.Stdout ? output : errors).Append(chunk.Text);
                        break;
                    case ExecOutput chunk:
                        var target = chunk.Stream == OutputStreamKind.Stdout ? stdout : stderr;
                        await target.WriteAsync(chunk.Data, cancellationToken).ConfigureAwait(false);
                        await target.FlushAsync(cancellationToken).ConfigureAwait(false);
                        break;
                    case ExecExit exit:
                        if (run.Out.Json)
                        {
                            Terminal.WriteJson(new ProcessLogJson(attached.Pid, attached.Tag, output.ToString(), errors.ToString(), exit.ExitCode), CliJson.Default.ProcessLogJson);
                        }

                        return ExitCodes.Success;
                }
            }

            return ExitCodes.Success;
        });
        return command;
    }
}

/// <summary>What <c>logs --json</c> prints once the process has exited.</summary>
internal sealed record ProcessLogJson(int Pid, string Tag, string Stdout, string Stderr, int ExitCode);
