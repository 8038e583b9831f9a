using System.Diagnostics;
using Wrenn.Agent.Protocol;

namespace Wrenn.Recipes;

/// <summary>
/// Runs recipe steps in a capsule through its guest agent, one <c>/bin/sh -c</c> command per step
/// (RecipeShell wraps them), and waits for a healthcheck. Used by team template builds and by the
/// platform templates whose image comes with a recipe (code-runner-beta).
/// </summary>
public sealed class RecipeRunner(GuestServices agent)
{
    /// <summary>Where a build's uploaded archive is unpacked; COPY sources are relative to it.</summary>
    public const string ArchiveDirectory = "/tmp/build-files";

    /// <summary>RUN's default in the user's recipe, as in the reference (RUN --timeout=… for longer).</summary>
    public static readonly TimeSpan RecipeRunTimeout = TimeSpan.FromSeconds(30);

    /// <summary>RUN's default in the fixed phases around the recipe (apt update may be slow).</summary>
    public static readonly TimeSpan PhaseRunTimeout = TimeSpan.FromMinutes(10);

    // Output kept per stream and step: enough for any error, bounded for the database.
    private const int OutputCap = 256 * 1024;

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan SetupTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan CopyTimeout = TimeSpan.FromSeconds(60);

    /// <summary>The build's starting point: the capsule's own environment (<c>env</c>), as root, no directory.</summary>
    public async Task<RecipeShell> OpenShellAsync(CancellationToken cancellationToken)
    {
        var result = await ExecuteAsync("env", TimeSpan.FromSeconds(10), cancellationToken).ConfigureAwait(false);
        return new RecipeShell(result.ExitCode == 0 ? RecipeShell.ParseEnv(result.StdoutText) : RecipeShell.FallbackEnvironment);
    }

    /// <summary>
    /// Runs one step; a failed step is a log entry with <c>Ok = false</c>, never an exception.
    /// <paramref name="onOutput"/> sees a RUN step's output as it is produced.
    /// </summary>
    public async Task<StepLog> RunAsync(
        RecipeShell shell, RecipeStep step, int number, BuildPhase phase, TimeSpan defaultTimeout, CancellationToken cancellationToken,
        Action<OutputStream, ReadOnlyMemory<byte>>? onOutput = null)
    {
        ArgumentNullException.ThrowIfNull(shell);
        ArgumentNullException.ThrowIfNull(step);
        var watch = Stopwatch.StartNew();
        switch (step)
        {
            case EnvStep env:
                shell.Set(env.Key, env.Value);
                return new StepLog(number, phase, step.Raw, "", "", 0, true, 0);
            case RunStep run:
                return Log(await ExecuteAsync(shell.RunCommand(run.Command), run.Timeout ?? defaultTimeout, cancellationToken, onOutput).ConfigureAwait(false));
            case StartStep start:
                var started = await ExecuteAsync(shell.StartCommand(start.Command), StartTimeout, cancellationToken).ConfigureAwait(false);
                return started.ExitCode == 0
                    ? Log(started)
                    : Failed($"start failed with exit code {started.ExitCode}: {started.StderrText}", started.ExitCode);
            case WorkdirStep workdir:
                // A relative path continues from the current WORKDIR (as in a Dockerfile).
                var path = workdir.Path.StartsWith('/') || shell.WorkDir.Length == 0 ? workdir.Path : shell.WorkDir + "/" + workdir.Path;
                var made = await ExecuteAsync("mkdir -p " + RecipeShell.Quote(path), StartTimeout, cancellationToken).ConfigureAwait(false);
                if (made.ExitCode == 0)
                {
                    shell.ChangeDirectory(path);
                }

                return Log(made);
            case UserStep user:
                var name = RecipeShell.Quote(user.Name);
                var added = await ExecuteAsync(
                    $"id {name} >/dev/null 2>&1 || (useradd --create-home --shell /bin/bash {name} && printf '%s ALL=(ALL) NOPASSWD:ALL\\n' {name} >> /etc/sudoers)",
                    SetupTimeout, cancellationToken).ConfigureAwait(false);
                if (added.ExitCode == 0)
                {
                    shell.ChangeUser(user.Name);
                }

                return Log(added);
            case CopyStep copy:
                if (copy.Sources.FirstOrDefault(source => !IsInsideArchive(source)) is { } outside)
                {
                    return Failed($"COPY source must be a relative path within the archive: \"{outside}\"", -1);
                }

                var destination = copy.Destination.StartsWith('/') || shell.WorkDir.Length == 0 ? copy.Destination : shell.WorkDir + "/" + copy.Destination;
                var owner = RecipeShell.Quote(shell.User);
                var sources = string.Join(' ', copy.Sources.Select(source => RecipeShell.Quote(ArchiveDirectory + "/" + source)));
                return Log(await ExecuteAsync($"cp -r {sources} {RecipeShell.Quote(destination)} && chown -R {owner}:{owner} {RecipeShell.Quote(destination)}",
                    CopyTimeout, cancellationToken).ConfigureAwait(false));
            default:
                throw new ArgumentException($"unknown step {step.GetType().Name}", nameof(step));
        }

        StepLog Log(CommandResult result) => new(number, phase, step.Raw, result.StdoutText,
            result.TimedOut ? result.StderrText + $"\n(killed at its timeout)" : result.StderrText,
            result.TimedOut ? -1 : result.ExitCode, result.ExitCode == 0 && !result.TimedOut, watch.ElapsedMilliseconds);

        StepLog Failed(string stderr, int exit) => new(number, phase, step.Raw, "", stderr, exit, false, watch.ElapsedMilliseconds);
    }

    /// <summary>Waits until <paramref name="check"/> passes; throws <see cref="RecipeException"/> when its retries run out.</summary>
    public async Task WaitHealthyAsync(RecipeShell shell, Healthcheck check, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(shell);
        ArgumentNullException.ThrowIfNull(check);
        ArgumentNullException.ThrowIfNull(time);
        var start = time.GetTimestamp();
        var deadline = check.Retries > 0 ? check.StartPeriod + (check.Interval * (check.Retries + 1)) : (TimeSpan?)null;
        var failures = 0;
        while (true)
        {
            await Task.Delay(check.Interval, time, cancellationToken).ConfigureAwait(false);
            var result = await ExecuteAsync(shell.CheckCommand(check.Command), check.Timeout, cancellationToken).ConfigureAwait(false);
            if (result.ExitCode == 0 && !result.TimedOut)
            {
                return;
            }

            var elapsed = time.GetElapsedTime(start);
            if (elapsed >= check.StartPeriod && check.Retries > 0 && ++failures >= check.Retries)
            {
                throw new RecipeException($"healthcheck failed after {failures} retries: exit code {result.ExitCode}");
            }

            if (elapsed >= deadline)
            {
                throw new RecipeException($"healthcheck timed out: exceeded {check.Retries} attempts over {deadline.Value.TotalSeconds:0} s");
            }
        }
    }

    /// <summary>Writes <paramref name="content"/> to <paramref name="path"/> in the guest.</summary>
    public async Task WriteFileAsync(string path, Stream content, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        using var call = agent.Files.Write(cancellationToken: cancellationToken);
        await call.RequestStream.WriteAsync(new WriteChunk { Header = new WriteHeader { Path = path, ExpectedSize = -1 } }, cancellationToken).ConfigureAwait(false);
        var buffer = new byte[256 * 1024];
        int read;
        while ((read = await content.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            await call.RequestStream.WriteAsync(new WriteChunk { Data = Google.Protobuf.ByteString.CopyFrom(buffer, 0, read) }, cancellationToken).ConfigureAwait(false);
        }

        await call.RequestStream.CompleteAsync().ConfigureAwait(false);
        await call.ResponseAsync.ConfigureAwait(false);
    }

    /// <summary>
    /// Runs a shell command as root (whatever the capsule's default user: steps for other users
    /// are wrapped in <c>su</c>) to its exit, killed at <paramref name="timeout"/>.
    /// </summary>
    public Task<CommandResult> ExecuteAsync(string shellText, TimeSpan timeout, CancellationToken cancellationToken, Action<OutputStream, ReadOnlyMemory<byte>>? onOutput = null) =>
        agent.RunAsync(new StartRequest { Cmd = "/bin/sh", Args = { "-c", shellText }, User = "root", TimeoutSec = (uint)Math.Ceiling(timeout.TotalSeconds) },
            cancellationToken, OutputCap, onOutput: onOutput);

    // path.Clean semantics, as the reference: no absolute paths, nothing climbing out.
    private static bool IsInsideArchive(string source)
    {
        var depth = 0;
        foreach (var segment in source.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            depth += segment switch { "." => 0, ".." => -1, _ => 1 };
            if (depth < 0)
            {
                return false;
            }
        }

        return !source.StartsWith('/');
    }
}
