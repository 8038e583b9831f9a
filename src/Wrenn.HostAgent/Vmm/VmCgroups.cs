using System.Globalization;

namespace Wrenn.HostAgent.Vmm;

/// <summary>
/// A cgroup for each VMM process, with CPU and memory limits from the VM's size, so that one capsule
/// cannot starve the host: cgroup v2 where <c>/sys/fs/cgroup</c> is the unified hierarchy with the
/// cpu and memory controllers, the cgroup v1 cpu and memory hierarchies otherwise, none where the host
/// has neither. Limits: (vCPUs + ½) cores of CPU time (QEMU's I/O threads run beside the vCPU
/// threads) and guest RAM + <see cref="OverheadMb"/> of memory (QEMU itself and, under TCG, its
/// translated-code cache). Groups live under <c>wrenn/</c>, one per capsule directory name.
/// </summary>
public sealed class VmCgroups(string root = "/sys/fs/cgroup")
{
    public const int OverheadMb = 512;
    private const long Period = 100_000;
    private const string Parent = "wrenn";

    /// <summary>Which cgroup interface this host offers for the limits, or <see cref="CgroupVersion.None"/>.</summary>
    public CgroupVersion Version { get; } = Detect(root);

    /// <summary>Moves <paramref name="pid"/> (all its threads) into the cgroup <paramref name="name"/> with the limits of its size; false when the host has no cgroups for it.</summary>
    public bool Place(string name, int pid, int vcpus, int memoryMb)
    {
        var memory = ((long)memoryMb + OverheadMb) * 1024 * 1024;
        var quota = (long)((vcpus + 0.5) * Period);
        switch (Version)
        {
            case CgroupVersion.V2:
                var parent = Path.Combine(root, Parent);
                Directory.CreateDirectory(parent);
                // Children of wrenn/ may only be limited once wrenn/ hands them the controllers.
                Write(parent, "cgroup.subtree_control", "+cpu +memory");
                Configure(Path.Combine(parent, name), pid, ("memory.max", memory.ToString(CultureInfo.InvariantCulture)), ("cpu.max", $"{quota} {Period}"));
                return true;
            case CgroupVersion.V1:
                Configure(Path.Combine(root, "memory", Parent, name), pid, ("memory.limit_in_bytes", memory.ToString(CultureInfo.InvariantCulture)));
                Configure(Path.Combine(root, "cpu", Parent, name), pid,
                    ("cpu.cfs_period_us", Period.ToString(CultureInfo.InvariantCulture)), ("cpu.cfs_quota_us", quota.ToString(CultureInfo.InvariantCulture)));
                return true;
            default:
                return false;
        }
    }

    /// <summary>
    /// Removes the cgroup <paramref name="name"/> of a VMM that has ended. An ended process leaves its
    /// group only once it is reaped, so this retries for a while; a group still busy then is left
    /// to <see cref="RemoveEmpty"/>.
    /// </summary>
    public async Task RemoveAsync(string name)
    {
        for (var attempt = 0; attempt < 100 && !TryRemove(Directories(name)); attempt++)
        {
            await Task.Delay(100).ConfigureAwait(false);
        }
    }

    /// <summary>Removes every group of ended VMMs (a group that holds a process cannot be removed and stays).</summary>
    public void RemoveEmpty() => TryRemove(Parents().Where(Directory.Exists).SelectMany(Directory.EnumerateDirectories));

    private static bool TryRemove(IEnumerable<string> directories)
    {
        var removed = true;
        foreach (var directory in directories.Where(Directory.Exists))
        {
            try
            {
                Directory.Delete(directory);
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
            {
                removed = false;
            }
        }

        return removed;
    }

    private IEnumerable<string> Parents() => Version switch
    {
        CgroupVersion.V2 => [Path.Combine(root, Parent)],
        CgroupVersion.V1 => [Path.Combine(root, "memory", Parent), Path.Combine(root, "cpu", Parent)],
        _ => [],
    };

    private IEnumerable<string> Directories(string name) => Parents().Select(parent => Path.Combine(parent, name));

    private static void Configure(string directory, int pid, params (string File, string Value)[] limits)
    {
        Directory.CreateDirectory(directory);
        foreach (var (file, value) in limits)
        {
            Write(directory, file, value);
        }

        // Limits first, then the process: it never runs in the group unlimited.
        Write(directory, "cgroup.procs", pid.ToString(CultureInfo.InvariantCulture));
    }

    private static void Write(string directory, string file, string value) => File.WriteAllText(Path.Combine(directory, file), value);

    private static CgroupVersion Detect(string root)
    {
        var unified = Path.Combine(root, "cgroup.controllers");
        if (File.Exists(unified))
        {
            var controllers = File.ReadAllText(unified).Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            return controllers.Contains("cpu") && controllers.Contains("memory") ? CgroupVersion.V2 : CgroupVersion.None;
        }

        return File.Exists(Path.Combine(root, "memory", "memory.limit_in_bytes")) && File.Exists(Path.Combine(root, "cpu", "cpu.cfs_quota_us"))
            ? CgroupVersion.V1
            : CgroupVersion.None;
    }
}

/// <summary>The cgroup interface a host offers for VM limits.</summary>
public enum CgroupVersion
{
    None,
    V1,
    V2,
}
