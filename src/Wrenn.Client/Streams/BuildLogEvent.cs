namespace Wrenn.Client;

/// <summary>
/// An event of a build's log (<see cref="StreamsClient.FollowBuildLogsAsync"/>): a running step's
/// <see cref="BuildStepOutput"/>, a <see cref="BuildStepEnded"/>, or a <see cref="BuildStatusChanged"/>.
/// </summary>
public abstract class BuildLogEvent
{
    private protected BuildLogEvent()
    {
    }
}

/// <summary>Output of the running step, as it is produced (UTF-8 text; up to 256 KiB a step is sent live).</summary>
public sealed class BuildStepOutput : BuildLogEvent
{
    internal BuildStepOutput(int step, OutputStreamKind stream, string text) => (Step, Stream, Text) = (step, stream, text);

    /// <summary>The step's number (1-based across the phases).</summary>
    public int Step { get; }

    /// <summary>Standard output or standard error.</summary>
    public OutputStreamKind Stream { get; }

    /// <summary>The output.</summary>
    public string Text { get; }
}

/// <summary>A finished step with its stored log.</summary>
public sealed class BuildStepEnded : BuildLogEvent
{
    internal BuildStepEnded(int step, BuildPhase phase, string cmd, string stdout, string stderr, int exitCode, bool ok, TimeSpan elapsed)
        => (Step, Phase, Cmd, Stdout, Stderr, ExitCode, Ok, Elapsed) = (step, phase, cmd, stdout, stderr, exitCode, ok, elapsed);

    /// <summary>The step's number (1-based across the phases).</summary>
    public int Step { get; }

    /// <summary>Its phase: <c>pre-build</c>, <c>recipe</c> or <c>post-build</c>.</summary>
    public BuildPhase Phase { get; }

    /// <summary>The recipe line as written.</summary>
    public string Cmd { get; }

    /// <summary>Its standard output (up to 256 KiB kept).</summary>
    public string Stdout { get; }

    /// <summary>Its standard error (up to 256 KiB kept).</summary>
    public string Stderr { get; }

    /// <summary>Its exit status.</summary>
    public int ExitCode { get; }

    /// <summary>The step succeeded.</summary>
    public bool Ok { get; }

    /// <summary>How long it ran.</summary>
    public TimeSpan Elapsed { get; }
}

/// <summary>The build's status: sent once after the log so far, then at each change.</summary>
public sealed class BuildStatusChanged : BuildLogEvent
{
    internal BuildStatusChanged(BuildStatus status, string? error) => (Status, Error) = (status, error);

    /// <summary>The build's new status.</summary>
    public BuildStatus Status { get; }

    /// <summary>Why the build failed, when it did.</summary>
    public string? Error { get; }

    /// <summary>The build is over (<c>success</c>, <c>failed</c> or <c>cancelled</c>): this is the log's last event.</summary>
    public bool IsFinished => Status is BuildStatus.Success or BuildStatus.Failed or BuildStatus.Cancelled;
}
