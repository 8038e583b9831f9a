using System.Net;

namespace Wrenn.GuestAgent;

/// <summary>How one agent instance is reached and who may call it.</summary>
/// <param name="Endpoint">Where host sessions come from: a host link endpoint in a capsule, a Unix socket in tests.</param>
/// <param name="InitialSecret">The secret valid until the first Init.</param>
/// <param name="OwnsMachine">
/// True for PID 1 of a capsule: Init then sets the clock, the host name and the entropy pool.
/// A development or test agent leaves the machine it runs on alone.
/// </param>
/// <param name="FileLane">Where the file lane listens (docs/file-lane.md); null: files use the link only.</param>
internal sealed record AgentSettings(EndPoint Endpoint, string InitialSecret, bool OwnsMachine = false, IPEndPoint? FileLane = null);
