namespace Wrenn.GuestAgent.Processes;

/// <summary>Signal numbers the agent itself sends (asm-generic/signal.h).</summary>
internal static class ProcessSignals
{
    public const int Kill = 9;
    public const int Terminate = 15;
}
