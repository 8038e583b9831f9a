using Grpc.Core;

namespace Wrenn.Agent.Protocol;

/// <summary>
/// The guest agent's services as a caller sees them, whatever carries the calls: the capsule's own
/// link on its host, or a host agent's relay when the caller (a control plane) is elsewhere.
/// </summary>
public sealed class GuestServices(CallInvoker invoker)
{
    /// <summary>What the calls go through (a host agent relays calls as they are).</summary>
    public CallInvoker Invoker { get; } = invoker;

    public Machine.MachineClient Machine { get; } = new(invoker);

    public Processes.ProcessesClient Processes { get; } = new(invoker);

    public Pty.PtyClient Pty { get; } = new(invoker);

    public Files.FilesClient Files { get; } = new(invoker);

    public Tunnel.TunnelClient Tunnel { get; } = new(invoker);
}
