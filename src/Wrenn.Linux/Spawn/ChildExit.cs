namespace Wrenn.Linux.Spawn;

/// <summary>How a child ended: its exit status, or the signal that killed it (then Signal is non-zero).</summary>
public readonly record struct ChildExit(int Pid, int ExitStatus, int Signal)
{
    /// <summary>The shell convention: the exit status, or 128 + the signal number.</summary>
    public int ExitCode => Signal != 0 ? 128 + Signal : ExitStatus;
}
