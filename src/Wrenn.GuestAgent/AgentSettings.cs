using System.Net;

namespace Wrenn.GuestAgent;

/// <summary>How one agent instance is reached and who may call it.</summary>
/// <param name="Endpoint">Where Kestrel listens: a host link endpoint in a capsule, a Unix socket in tests.</param>
/// <param name="InitialSecret">The secret valid until the first Init.</param>
internal sealed record AgentSettings(EndPoint Endpoint, string InitialSecret);
