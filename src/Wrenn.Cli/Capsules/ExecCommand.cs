using System.CommandLine;
using Wrenn.Client;

namespace Wrenn.Cli.Capsules;

/// <summary>
/// <c>wrenn capsule exec ID -- CMD ARGS…</c>: runs a command in the capsule with its output streamed
/// as produced (byte for byte), and exits with the command's exit code. With <c>--json</c> it waits
/// for the end and prints the API's exec result instead.
/// </summary>
internal static class ExecCommand
{
    public static Command Create()
    {
        var id = CapsuleArguments.Id();
        var commandLine = new Argument<string[]>("command") { Description = "The command and its arguments (after --)", Arity = ArgumentArity.OneOrMore };
        var timeout = new Option<int?>("--timeout") { Description = "Kill the command after this many seconds (default: none)" };
        var shared = new CommandOptions();
        var command = new Command("exec", "Run a command in a capsule; exits with its exit code") { id, commandLine, timeout };
        shared.AddTo(command);
        command.SetRun(async (run, cancellationToken) =>
        {
            var words = run.Get(commandLine);
            var request = new ExecRequest(words[0], words[1..])
            {
                Envs = shared.Environment(run),
                Cwd = run.Get(shared.Cwd),
                User = run.Get(shared.User),
                TimeoutSec = run.Get(timeout),
            };
            return run.Out.Json
                ? await RunForJsonAsync(run, run.Get(id), request, cancellationToken).ConfigureAwait(false)
                : await StreamAsync(run, run.Get(id), request, cancellationToken).ConfigureAwait(false);
        }, failureCode: ExitCodes.RemoteCommandFailure);
        return command;
    }

    private static async Task<int> StreamAsync(Invocation run, CapsuleId capsule, ExecRequest request, CancellationToken cancellationToken)
    {
        await using var session = await run.Client.Streams.ExecAsync(capsule, request, binary: true, cancellationToken).ConfigureAwait(false);
        await using var stdout = Console.OpenStandardOutput();
        await using var stderr = Console.OpenStandardError();
        await foreach (var message in session.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            switch (message)
            {
                case ExecOutput output:
                    var target = output.Stream == OutputStreamKind.Stdout ? stdout : stderr;
                    await target.WriteAsync(output.Data, cancellationToken).ConfigureAwait(false);
                    await target.FlushAsync(cancellationToken).ConfigureAwait(false);
                    break;
                case ExecExit exit:
                    if (exit.TimedOut)
                    {
                        await Console.Error.WriteLineAsync($"wrenn: the command was killed after its {request.TimeoutSec} s timeout").ConfigureAwait(false);
                    }

                    return exit.ExitCode;
            }
        }

        throw new CliException("the capsule closed the stream before the command ended", ExitCodes.RemoteCommandFailure);
    }

    private static async Task<int> RunForJsonAsync(Invocation run, CapsuleId capsule, ExecRequest request, CancellationToken cancellationToken)
    {
        var result = await run.Client.Commands.RunAsync(capsule, request, cancellationToken).ConfigureAwait(false);
        Terminal.WriteJson(new ExecJson(result.CapsuleId, result.Cmd, result.Pid, result.Tag, result.ExitCode,
            result.IsBinary ? Convert.ToBase64String(result.StdoutBytes.Span) : result.Stdout,
            result.IsBinary ? Convert.ToBase64String(result.StderrBytes.Span) : result.Stderr,
            result.IsBinary ? "base64" : "utf-8", (long)result.Duration.TotalMilliseconds, result.TimedOut, result.Truncated), CliJson.Default.ExecJson);
        return result.ExitCode;
    }
}

/// <summary>The API's exec reply, as <c>exec --json</c> prints it.</summary>
internal sealed record ExecJson(
    [property: System.Text.Json.Serialization.JsonPropertyName("sandbox_id")] CapsuleId CapsuleId,
    string Cmd, int Pid, string Tag, int ExitCode, string Stdout, string Stderr, string Encoding, long DurationMs, bool TimedOut, bool Truncated);
