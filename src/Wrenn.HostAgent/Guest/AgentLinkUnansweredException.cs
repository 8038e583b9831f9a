using Wrenn.Agent.Protocol.Link;

namespace Wrenn.HostAgent.Guest;

/// <summary>The guest did not take up a link session (no Welcome for its Hello) in time.</summary>
public sealed class AgentLinkUnansweredException : IOException
{
    public AgentLinkUnansweredException(LinkEpoch epoch, TimeSpan limit)
        : base($"the guest did not answer session {epoch} within {limit.TotalSeconds:0.#} s")
    {
        Epoch = epoch;
    }

    public AgentLinkUnansweredException()
    {
    }

    public AgentLinkUnansweredException(string message)
        : base(message)
    {
    }

    public AgentLinkUnansweredException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public LinkEpoch Epoch { get; }
}
