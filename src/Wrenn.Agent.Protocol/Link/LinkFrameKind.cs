namespace Wrenn.Agent.Protocol.Link;

/// <summary>What a frame of the agent link carries (docs/agent-link.md).</summary>
public enum LinkFrameKind : byte
{
    /// <summary>Host → guest: a new host session with this epoch starts; every older one is over.</summary>
    Hello = 1,

    /// <summary>Guest → host: the session of this epoch is being served; what follows is its bytes.</summary>
    Welcome = 2,

    /// <summary>Either way: bytes of the session's HTTP/2 stream.</summary>
    Data = 3,
}
