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
}
