namespace Wrenn.Agent.Protocol.Link;

/// <summary>What a frame of the agent link carries (docs/agent-link.md).</summary>
public enum LinkFrameKind : byte
{
    /// <summary>Host → guest: a new host session with this epoch starts; every older one is over.</summary>
    Hello = 1,

    /// <summary>
    /// Guest → host, from agents of Wrenn before the agent RPC (they served HTTP/2): the host cannot
    /// speak to them (a capsule paused by an older Wrenn) and says so instead of retrying.
    /// </summary>
    LegacyWelcome = 2,

    /// <summary>Either way: bytes of the session's agent RPC stream.</summary>
    Data = 3,

    /// <summary>Guest → host: the session of this epoch is being served with the agent RPC; what follows is its bytes.</summary>
    Welcome = 4,

    /// <summary>
    /// Guest → host, once, when the agent has opened its port (its epoch is the agent's own, drawn
    /// at start): a Hello sent before this moment was lost (the guest's driver drops what arrives
    /// on a port nobody holds open), so a host waiting for its Welcome sends its Hello again.
    /// </summary>
    Ready = 5,
}
