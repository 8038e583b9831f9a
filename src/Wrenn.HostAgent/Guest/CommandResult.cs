namespace Wrenn.HostAgent.Guest;

/// <summary>The outcome of a command run to completion in the guest.</summary>
public sealed record CommandResult(int Pid, string Tag, int ExitCode, byte[] Stdout, byte[] Stderr, bool TimedOut)
{
    public string StdoutText => System.Text.Encoding.UTF8.GetString(Stdout);

    public string StderrText => System.Text.Encoding.UTF8.GetString(Stderr);
}
