namespace Wrenn.HostAgent.Snapshots;

/// <summary>
/// One snapshot directory (format in docs/snapshots.md): the device state, the driver's memory
/// files (its own names: <see cref="Vmm.IVmm.SnapshotFiles"/>) and the manifest, written last under
/// a temporary name then renamed: a directory without a valid manifest is an unfinished snapshot
/// and is never restored.
/// </summary>
public sealed record SnapshotFiles(string Root)
{
    /// <summary>vCPU and device state, as the VMM saves it (no RAM).</summary>
    public string DeviceState => Path.Combine(Root, "devices.state");

    /// <summary>Full guest RAM (template snapshots only).</summary>
    public string Memory => Path.Combine(Root, "memory.ram");

    public string Manifest => Path.Combine(Root, "snapshot.json");
}
