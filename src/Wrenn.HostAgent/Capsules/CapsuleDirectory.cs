using Wrenn.Host.Protocol;
using Wrenn.HostAgent.Snapshots;

namespace Wrenn.HostAgent.Capsules;

/// <summary>
/// The on-disk home of one capsule: &lt;data&gt;/capsules/&lt;id&gt;/ (layout in docs/architecture.md).
/// </summary>
public sealed record CapsuleDirectory(string Root)
{
    public string StateFile => Path.Combine(Root, "capsule.json");

    /// <summary>
    /// The capsule's own guest RAM (cold-booted capsules): mapped shared, so at any pause it already
    /// holds the memory image and nothing is copied. Capsules created from a template map the
    /// template's memory file copy-on-write instead and keep their changes in snapshots.
    /// </summary>
    public string Memory => Path.Combine(Root, "memory.ram");

    /// <summary>Snapshots of this capsule, one directory per pause generation (gen-N).</summary>
    public string Snapshots => Path.Combine(Root, "snapshots");

    /// <summary>The snapshot of one pause generation.</summary>
    public SnapshotFiles Generation(int generation) =>
        new(Path.Combine(Snapshots, "gen-" + generation.ToString(System.Globalization.CultureInfo.InvariantCulture)));

    public string QmpSocket => Path.Combine(Root, "qmp.sock");

    public string AgentSocket => Path.Combine(Root, "agent.sock");

    public string ConsoleSocket => Path.Combine(Root, "console.sock");

    /// <summary>The guest console, size-capped (see ConsoleLog).</summary>
    public string ConsoleLog => Path.Combine(Root, "console.log");

    public string PidFile => Path.Combine(Root, "vmm.pid");

    /// <summary>What the VMM itself writes to stdout and stderr (QEMU: errors at start).</summary>
    public string VmmLog => Path.Combine(Root, "vmm.log");

    /// <summary>QEMU's config file with the guest kernel's command line (it holds the agent secret; 0600).</summary>
    public string KernelConfig => Path.Combine(Root, "kernel.cfg");

    public static CapsuleDirectory For(string dataDirectory, CapsuleId id) =>
        new(Path.Combine(dataDirectory, "capsules", id.Value));
}
