namespace Wrenn.HostAgent.Snapshots;

/// <summary>
/// The files of one snapshot directory (format in docs/snapshots.md). The manifest is written
/// last, under a temporary name then renamed: a directory without a valid manifest is an
/// unfinished snapshot and is never restored.
/// </summary>
public sealed record SnapshotFiles(string Root)
{
    /// <summary>vCPU and device state, as QEMU saves it (no RAM).</summary>
    public string DeviceState => Path.Combine(Root, "devices.state");

    /// <summary>Numbers (uint32 LE, ascending) of the pages that differ from the base memory file.</summary>
    public string MemoryIndex => Path.Combine(Root, "memory.index");

    /// <summary>The contents of those pages, 4 KiB each, in index order.</summary>
    public string MemoryPages => Path.Combine(Root, "memory.pages");

    /// <summary>Full guest RAM (template snapshots only).</summary>
    public string Memory => Path.Combine(Root, "memory.ram");

    /// <summary>The frozen root disk overlay (template snapshots only).</summary>
    public string Disk => Path.Combine(Root, "disk.qcow2");

    /// <summary>Firecracker snapshots: the memory layers that make up guest RAM (docs/memory-layers.md).</summary>
    public string MemoryChain => Path.Combine(Root, "memory.json");

    /// <summary>Firecracker snapshots: pages the guest touched after its previous resume, prefetched first.</summary>
    public string WorkingSet => Path.Combine(Root, "working-set");

    /// <summary>Firecracker template snapshots: the frozen root disk, a raw ext4 image.</summary>
    public string RawDisk => Path.Combine(Root, "disk.raw");

    public string Manifest => Path.Combine(Root, "snapshot.json");
}
