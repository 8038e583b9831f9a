using Wrenn.HostAgent.Snapshots;

namespace Wrenn.HostAgent.Vmm;

/// <summary>A running capsule VM: its VMM process, the byte stream to its guest agent, its fate.</summary>
public interface IVm : IAsyncDisposable
{
    VmmProcess Process { get; }

    /// <summary>Completes when the VMM process ends: after <see cref="StopAsync"/>, or unexpectedly.</summary>
    Task<VmExit> Exited { get; }

    /// <summary>
    /// Path of the network namespace where the guest's network card is reachable (its tap), or
    /// null when the VM has no card.
    /// </summary>
    string? NetworkNamespace { get; }

    /// <summary>Opens a new byte stream to the guest agent (the previous one, if any, is closed first by the caller).</summary>
    ValueTask<Stream> ConnectAgentAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Stops the guest and saves its device state and memory into <paramref name="files"/> in the
    /// driver's format (<see cref="IVmm.SnapshotFiles"/> names what it wrote). The guest stays
    /// stopped unless <paramref name="keepRunning"/>; if saving fails it runs again, unchanged.
    /// </summary>
    Task SnapshotAsync(SnapshotFiles files, bool keepRunning, CancellationToken cancellationToken);

    /// <summary>Lets a guest stopped by <see cref="SnapshotAsync"/> run again.</summary>
    Task ContinueAsync(CancellationToken cancellationToken);

    /// <summary>Ends the VM (quit, then kill) and waits for the VMM process to go away.</summary>
    Task StopAsync(CancellationToken cancellationToken);
}
