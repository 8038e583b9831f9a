namespace Wrenn.HostAgent.Vmm.Firecracker;

/// <summary>
/// The directory a Firecracker process sees its files in, from both sides: <see cref="Outside"/> is
/// the host path the host agent writes to, <see cref="Inside"/> the path Firecracker is told. Under
/// the jailer it is the jail's chroot ("/"); without it, the capsule's vm/ directory bind-mounted at
/// /run/wrenn-vm in the VMM's private mount namespace. Either way every VM sees the same paths, which
/// is what lets one template snapshot (which records them) restore into any number of capsules.
/// </summary>
internal sealed record VmRoot(string Id, string Outside, string Inside, bool Jailed)
{
    public const string PrivateMountPoint = "/run/wrenn-vm";

    public string Api => Jailed ? Path.Combine(Outside, "run", "firecracker.socket") : Path.Combine(Outside, "api.sock");

    public string PidFile => Path.Combine(Outside, Jailed ? "firecracker.pid" : "vmm.pid");

    public string OutsidePath(string name) => Path.Combine(Outside, name);

    /// <summary>Deletes the root: the jail (the chroot's parent) or the capsule's vm/ directory; the disk there is only a link.</summary>
    public void Remove()
    {
        var removable = Jailed ? Path.GetDirectoryName(Outside)! : Outside;
        if (Directory.Exists(removable))
        {
            Directory.Delete(removable, recursive: true);
        }
    }

    public string InsidePath(string name) => Inside + name;

    /// <summary>The jail id (the jailer accepts letters, digits and dashes, at most 64).</summary>
    private static string JailId(string capsuleDirectory)
    {
        var name = new string([.. Path.GetFileName(capsuleDirectory).Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-')]);
        return name.Length <= 64 ? name : name[..64];
    }

    public static VmRoot For(FirecrackerOptions options, string capsuleDirectory)
    {
        var id = JailId(capsuleDirectory);
        return options.Jailer is null
            ? new VmRoot(id, Path.Combine(capsuleDirectory, "vm"), PrivateMountPoint + "/", Jailed: false)
            : new VmRoot(id, Path.Combine(options.JailDirectory, Path.GetFileName(options.Firecracker), id, "root"), "/", Jailed: true);
    }
}
