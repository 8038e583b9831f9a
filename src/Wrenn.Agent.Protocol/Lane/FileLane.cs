namespace Wrenn.Agent.Protocol.Lane;

/// <summary>
/// The file lane (docs/file-lane.md): bulk file bytes on a TCP connection over the capsule's
/// network card instead of the agent link, which under emulation carries a few tens of MB/s. The
/// link keeps the call itself — the path, the errors, the commit — and hands out a one-time ticket;
/// a lane connection carries nothing but the bytes of the one call whose ticket it presents.
/// </summary>
public static class FileLane
{
    /// <summary>
    /// The guest agent's lane port: privileged, so no unprivileged guest process can listen there
    /// first (a root one can, but only over its own files).
    /// </summary>
    public const int Port = 997;

    /// <summary>Random bytes per ticket: unguessable, and known only to the two ends of the agent link.</summary>
    public const int TicketBytes = 32;

    /// <summary>
    /// The guest agent's first byte on every lane connection, before the ticket is read: the host
    /// hands a call over to the lane only after seeing it, so nothing but a lane-speaking agent
    /// (not an older agent, not another service) is ever sent a ticket.
    /// </summary>
    public const byte Greeting = 0xF1;

    /// <summary>
    /// Below this many bytes a file goes over the link: opening a lane connection costs a few
    /// emulated round trips, which only pays off for larger files.
    /// </summary>
    public const long MinimumBytes = 256 * 1024;

    /// <summary>How long either end waits for the other half of a lane hand-over before giving up.</summary>
    public static readonly TimeSpan HandOverTimeout = TimeSpan.FromSeconds(10);
}
