namespace Wrenn.Agent.Protocol;

/// <summary>The outcome of a command run to completion in the guest.</summary>
public sealed record CommandResult(int Pid, string Tag, int ExitCode, byte[] Stdout, byte[] Stderr, bool TimedOut)
{
    /// <summary>Output beyond the caller's cap was discarded.</summary>
    public bool Truncated { get; init; }

    /// <summary>From the process's start to its exit, as the host saw them.</summary>
    public TimeSpan Duration { get; init; }

    public string StdoutText => System.Text.Encoding.UTF8.GetString(Stdout);

    public string StderrText => System.Text.Encoding.UTF8.GetString(Stderr);
}
