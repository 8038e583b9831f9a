using Wrenn.HostAgent.Capsules;
using Wrenn.HostAgent.Snapshots;

namespace Wrenn.HostAgent.Vmm.Qemu;

/// <summary>
/// QEMU's snapshot format (docs/snapshots.md): beside the device state, a capsule's snapshot holds
/// the pages it changed from its template's memory file (an index of page numbers and the pages);
/// its root disk is a qcow2 overlay on what it was made from.
/// </summary>
internal static class QemuFiles
{
    public const string Disk = "disk.qcow2";

    /// <summary>Numbers (uint32 LE, ascending) of the pages that differ from the base memory file.</summary>
    public static string MemoryIndex(SnapshotFiles files) => Path.Combine(files.Root, "memory.index");

    /// <summary>Those pages: a sparse file the size of RAM, each page at its own offset.</summary>
    public static string MemoryPages(SnapshotFiles files) => Path.Combine(files.Root, "memory.pages");

    public static string DiskOf(CapsuleDirectory directory) => Path.Combine(directory.Root, Disk);

    /// <summary>What a snapshot directory of this format may hold besides its manifest, in load order.</summary>
    public static IEnumerable<string> All(SnapshotFiles files) =>
        [files.DeviceState, MemoryIndex(files), MemoryPages(files), files.Memory, Path.Combine(files.Root, Disk)];
}
