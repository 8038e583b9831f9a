using System.Collections.Concurrent;
using System.Globalization;
using Wrenn.HostAgent.Images;

namespace Wrenn.HostAgent.Snapshots;

/// <summary>
/// Template snapshots under &lt;data&gt;/templates/&lt;key&gt;/. A built-in template's key names the
/// image's input hash and the VM size, so a rebuilt image gets a new snapshot; snapshots of
/// capsules are keyed by the name they were given. A snapshot is built at most once at a time
/// (concurrent creates wait for the first build) in a hidden directory renamed into place when
/// complete, so a crash mid-build leaves nothing that could be restored.
/// </summary>
public sealed class TemplateStore(string root, GuestImages images)
{
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _building = new(StringComparer.Ordinal);

    public string Root { get; } = root;

    /// <summary>The snapshot directory of a built-in template image at a VM size.</summary>
    /// <param name="image">The template image.</param>
    /// <param name="vcpus">VM size.</param>
    /// <param name="memoryMb">VM size.</param>
    /// <param name="vmm">The driver that builds and restores it: QEMU and Firecracker snapshots differ (QEMU's keys carry no suffix).</param>
    public static string KeyFor(TemplateImage image, int vcpus, int memoryMb, string vmm = "qemu")
    {
        ArgumentNullException.ThrowIfNull(image);
        var driver = vmm == "qemu" ? "" : "-" + vmm;
        return string.Create(CultureInfo.InvariantCulture, $"{image.Name}-{image.InputHash[..Math.Min(12, image.InputHash.Length)]}-{vcpus}c{memoryMb}m{driver}");
    }

    public SnapshotFiles FilesFor(string key) => new(Path.Combine(Root, key));

    /// <summary>A user template made from a capsule, by name; null when there is none.</summary>
    public TemplateSnapshot? FindNamed(string name)
    {
        var files = FilesFor(name);
        return File.Exists(files.Manifest) ? new TemplateSnapshot(name, files, SnapshotManifest.Load(files)) : null;
    }

    public bool IsBuiltIn(string name) => images.Templates.ContainsKey(name);

    /// <summary>Returns the snapshot for <paramref name="key"/>, running <paramref name="build"/> into a fresh directory if there is none.</summary>
    public async Task<TemplateSnapshot> GetOrBuildAsync(string key, Func<SnapshotFiles, SnapshotFiles, CancellationToken, Task> build, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(build);
        var files = FilesFor(key);
        var gate = _building.GetOrAdd(key, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (File.Exists(files.Manifest))
            {
                return new TemplateSnapshot(key, files, SnapshotManifest.Load(files));
            }

            Directory.CreateDirectory(Root);
            // Short: the build VM's Unix sockets live in it (108-byte path limit).
            var staging = new SnapshotFiles(Path.Combine(Root, $".build-{Guid.NewGuid().ToString("N")[..8]}"));
            Directory.CreateDirectory(staging.Root, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            try
            {
                await build(staging, files, cancellationToken).ConfigureAwait(false);
                if (Directory.Exists(files.Root))
                {
                    // A directory without a manifest: an unfinished snapshot, never restorable.
                    Directory.Delete(files.Root, recursive: true);
                }

                Directory.Move(staging.Root, files.Root);
            }
            finally
            {
                if (Directory.Exists(staging.Root))
                {
                    Directory.Delete(staging.Root, recursive: true);
                }
            }

            return new TemplateSnapshot(key, files, SnapshotManifest.Load(files));
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>Removes build directories a crash left behind.</summary>
    public void RemoveUnfinished()
    {
        if (Directory.Exists(Root))
        {
            foreach (var directory in Directory.EnumerateDirectories(Root, ".build-*"))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
    }
}
