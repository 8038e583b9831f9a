namespace Wrenn.HostAgent.Guest;

/// <summary>
/// The guest's agent predates the agent RPC (it answered with the old Welcome): a capsule paused by
/// an older Wrenn. This host cannot talk to it; retrying would not help.
/// </summary>
public sealed class AgentLinkOutdatedException : IOException
{
    public AgentLinkOutdatedException()
        : base("the capsule's guest agent is from an older Wrenn (HTTP/2 link) and cannot be reached by this version")
    {
    }

    public AgentLinkOutdatedException(string message)
        : base(message)
    {
    }

    public AgentLinkOutdatedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
