namespace Wrenn.HostAgent.Vmm;

/// <summary>
/// The file that backs a VM's RAM. Shared: the VM writes through to the file (a capsule's own
/// memory, which is then its snapshot at no cost). Not shared: the file is mapped copy-on-write
/// (a template's memory, whose pages many capsules share in the page cache; each capsule's
/// changes stay private to its VMM process).
/// </summary>
/// <param name="Path">The memory file; its size is the VM's memory size.</param>
/// <param name="Shared">Write through to the file (true) or map it copy-on-write (false).</param>
/// <param name="Prealloc">Load every page before the guest runs (eager restore, for comparison).</param>
public sealed record MemoryImage(string Path, bool Shared, bool Prealloc = false);
