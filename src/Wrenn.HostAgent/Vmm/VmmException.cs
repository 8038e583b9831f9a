namespace Wrenn.HostAgent.Vmm;

/// <summary>
/// The VMM or one of its tools failed. The message may hold tool output and host paths: it is for
/// logs, never for API replies.
/// </summary>
public sealed class VmmException : Exception
{
    public VmmException(string message)
        : base(message)
    {
    }

    public VmmException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
