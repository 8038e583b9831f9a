using System.CommandLine;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using Wrenn.Client;
using Wrenn.Linux.Terminals;

namespace Wrenn.Cli.Capsules;

/// <summary>
/// <c>wrenn capsule shell ID</c>: an interactive terminal in the capsule over the PTY WebSocket. The
/// local terminal is raw while it runs (keys go to the guest as typed, Ctrl-C included), its size
/// follows the window, and <c>wrenn</c> exits with the guest shell's exit code.
/// </summary>
internal static class ShellCommand
{
    private const int StandardInput = 0;
    private const int StandardOutput = 1;

    public static Command Create()
    {
        var id = CapsuleArguments.Id();
        var commandLine = new Argument<string[]>("command") { Description = "Program to run instead of bash (after --)", Arity = ArgumentArity.ZeroOrMore };
        var attach = new Option<string?>("--attach") { Description = "Take over an existing terminal session by its tag" };
        var shared = new CommandOptions();
        var command = new Command("shell", "Open an interactive terminal in a capsule") { id, commandLine, attach };
        shared.AddTo(command);
        command.SetRun(async (run, cancellationToken) =>
        {
            var (columns, rows) = LocalTerminal.WindowSize(StandardOutput) ?? (80, 24);
            var words = run.Get(commandLine) ?? [];
            var capsule = run.Get(id);
            await using var session = run.Get(attach) is { } tag
                ? await run.Client.Terminals.ConnectAsync(capsule, tag, cancellationToken).ConfigureAwait(false)
                : await run.Client.Terminals.StartAsync(capsule, new PtyOptions
                {
                    Cmd = words.Length > 0 ? words[0] : null,
                    Args = words.Length > 1 ? words[1..] : null,
                    Cols = columns,
                    Rows = rows,
                    Envs = shared.Environment(run),
                    Cwd = run.Get(shared.Cwd),
                    User = run.Get(shared.User),
                }, cancellationToken).ConfigureAwait(false);
            if (run.Get(attach) is not null)
            {
                await session.ResizeAsync(columns, rows, cancellationToken).ConfigureAwait(false);
            }

            return await RunAsync(session, cancellationToken).ConfigureAwait(false);
        }, failureCode: ExitCodes.RemoteCommandFailure);
        return command;
    }

    private static async Task<int> RunAsync(PtySession session, CancellationToken cancellationToken)
    {
        // Raw bytes on fds 0 and 1, never .NET's Console: it would configure the terminal itself and
        // put its own settings back at exit.
        await using var output = new FileStream(new SafeFileHandle(StandardOutput, ownsHandle: false), FileAccess.Write, bufferSize: 0);
        using var raw = LocalTerminal.IsTerminal(StandardInput) ? LocalTerminal.EnterRawMode(StandardInput) : null;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var resized = PosixSignalRegistration.Create(PosixSignal.SIGWINCH, signal =>
        {
            signal.Cancel = true;
            if (LocalTerminal.WindowSize(StandardOutput) is var (columns, rows))
            {
                _ = ResizeAsync(session, columns, rows, stop.Token);
            }
        });
        _ = Task.Run(() => ForwardKeysAsync(session, stop.Token), CancellationToken.None);
        try
        {
            await foreach (var message in session.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                switch (message)
                {
                    case PtyOutput data:
                        await output.WriteAsync(data.Data, cancellationToken).ConfigureAwait(false);
                        break;
                    case PtyExit exit:
                        return exit.ExitCode;
                }
            }

            throw new CliException("the terminal session ended without an exit status", ExitCodes.RemoteCommandFailure);
        }
        finally
        {
            // Stops the resizes and the key forwarding (whose blocking read is left to end with the process).
            await stop.CancelAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Sends what is typed, as typed, until the session ends (the blocking read is then simply left behind).</summary>
    private static async Task ForwardKeysAsync(PtySession session, CancellationToken cancellationToken)
    {
        await using var input = new FileStream(new SafeFileHandle(StandardInput, ownsHandle: false), FileAccess.Read, bufferSize: 0);
        var buffer = new byte[4096];
        try
        {
            int count;
            while (!cancellationToken.IsCancellationRequested && (count = await input.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                await session.WriteAsync(buffer.AsMemory(0, count), cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception exception) when (exception is OperationCanceledException or IOException or WrennStreamException or ObjectDisposedException)
        {
            // The session ended or stdin closed; the output side reports how it ended.
        }
    }

    private static async Task ResizeAsync(PtySession session, int columns, int rows, CancellationToken cancellationToken)
    {
        try
        {
            await session.ResizeAsync(columns, rows, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is OperationCanceledException or WrennStreamException or ObjectDisposedException)
        {
            // The session is ending: the size no longer matters.
        }
    }
}
