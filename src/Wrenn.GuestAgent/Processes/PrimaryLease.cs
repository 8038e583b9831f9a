using System.Threading.Channels;

namespace Wrenn.GuestAgent.Processes;

/// <summary>The primary consumer's view of a process: retained output to send first, then live events.</summary>
internal sealed record PrimaryLease(IReadOnlyList<OutputEvent> Backlog, ChannelReader<OutputEvent> Events);
