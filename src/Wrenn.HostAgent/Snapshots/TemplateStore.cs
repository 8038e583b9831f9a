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
/// Built-in snapshots are a cache (they can always be built again): each records when it was last
/// used, and <see cref="EvictAsync"/> removes the least recently used ones beyond a disk budget.
/// </summary>
public sealed class TemplateStore(string root, GuestImages images, TimeProvider time)
{
    // Marks a built-in (evictable) snapshot; its modification time is the last use.
    private const string UsedMarker = "last-used";

    private readonly ConcurrentDictionary<string, SemaphoreSlim> _building = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _leases = new(StringComparer.Ordinal);

    public string Root { get; } = root;

    /// <summary>The snapshot directory of a built-in template image at a VM size.</summary>
    /// <param name="image">The template image.</param>
    /// <param name="vcpus">VM size.</param>
    /// <param name="memoryMb">VM size.</param>
    /// <param name="variant">What else its driver's snapshots differ by (<see cref="Vmm.IVmm.TemplateVariant"/>); empty for QEMU without network.</param>
    public static string KeyFor(TemplateImage image, int vcpus, int memoryMb, string variant)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(variant);
        var suffix = variant.Length == 0 ? "" : "-" + variant;
        return string.Create(CultureInfo.InvariantCulture, $"{image.Name}-{image.InputHash[..Math.Min(12, image.InputHash.Length)]}-{vcpus}c{memoryMb}m{suffix}");
    }

    public SnapshotFiles FilesFor(string key) => new(Path.Combine(Root, key));

    /// <summary>A user template made from a capsule, by name; null when there is none.</summary>
    public TemplateSnapshot? FindNamed(string name)
    {
        var files = FilesFor(name);
        return File.Exists(files.Manifest) ? new TemplateSnapshot(name, files, SnapshotManifest.Load(files)) : null;
    }

    public bool IsBuiltIn(string name) => images.Templates.ContainsKey(name);

    /// <summary>This host's snapshot of a template build (<see cref="SnapshotManifest.BuildId"/>), built here or brought from a store; null when there is none.</summary>
    public TemplateSnapshot? FindBuild(string buildId)
    {
        ArgumentNullException.ThrowIfNull(buildId);
        var imported = FilesFor(ImportedKey(buildId));
        var candidates = Directory.Exists(Root)
            ? Directory.EnumerateDirectories(Root).Where(directory => !Path.GetFileName(directory).StartsWith('.')).Select(directory => new SnapshotFiles(directory))
            : [];
        foreach (var files in candidates.Prepend(imported).Where(files => File.Exists(files.Manifest)))
        {
            if (SnapshotManifest.Read(files.Manifest).BuildId == buildId)
            {
                return new TemplateSnapshot(Path.GetFileName(files.Root), files, SnapshotManifest.Load(files));
            }
        }

        return null;
    }

    /// <summary>
    /// Makes a template build brought from a snapshot store with <paramref name="fetch"/> (into a
    /// staging directory, like a build). It is kept like a built-in snapshot: a cache, evicted when
    /// unused, and fetched again when needed.
    /// </summary>
    public async Task<TemplateSnapshot> ImportAsync(string buildId, Func<SnapshotFiles, SnapshotFiles, CancellationToken, Task> fetch, CancellationToken cancellationToken) =>
        await GetOrBuildAsync(ImportedKey(buildId), fetch, cancellationToken, whileHeld: files => MarkUsed(files)).ConfigureAwait(false);

    private static string ImportedKey(string buildId) => "import-" + buildId;

    private void MarkUsed(SnapshotFiles files)
    {
        var marker = Path.Combine(files.Root, UsedMarker);
        File.WriteAllBytes(marker, []);
        File.SetLastWriteTimeUtc(marker, time.GetUtcNow().UtcDateTime);
    }

    /// <summary>
    /// A built-in template's snapshot, built if there is none, marked as used now and kept from
    /// eviction until the lease is disposed (by then the capsule made from it records that it maps it).
    /// </summary>
    public async Task<TemplateLease> LeaseBuiltInAsync(string key, Func<SnapshotFiles, SnapshotFiles, CancellationToken, Task> build, CancellationToken cancellationToken)
    {
        var built = false;
        var snapshot = await GetOrBuildAsync(key, async (staging, final, token) =>
        {
            await build(staging, final, token).ConfigureAwait(false);
            built = true;
        }, cancellationToken, whileHeld: files =>
        {
            _leases.AddOrUpdate(key, 1, (_, count) => count + 1);
            MarkUsed(files);
        }).ConfigureAwait(false);
        return new TemplateLease(snapshot, built, () => _leases.AddOrUpdate(key, 0, (_, count) => count - 1));
    }

    /// <summary>
    /// Removes least recently used built-in snapshots while they occupy more than
    /// <paramref name="budget"/> bytes, sparing those leased and those <paramref name="isMapped"/>
    /// says a capsule or template still maps. Returns the keys removed.
    /// </summary>
    public async Task<IReadOnlyList<string>> EvictAsync(long budget, Func<string, bool> isMapped, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(isMapped);
        var cached = BuiltInRoots()
            .Select(directory => (Directory: directory, Used: File.GetLastWriteTimeUtc(Path.Combine(directory, UsedMarker)), Bytes: StoredSize.Of(directory)))
            .OrderBy(entry => entry.Used)
            .ToList();
        var total = cached.Sum(entry => entry.Bytes);
        var evicted = new List<string>();
        foreach (var entry in cached)
        {
            if (total <= budget)
            {
                break;
            }

            var key = Path.GetFileName(entry.Directory);
            if (await RemoveUnlessAsync(entry.Directory, directory => _leases.GetValueOrDefault(key) > 0 || isMapped(directory), cancellationToken).ConfigureAwait(false))
            {
                total -= entry.Bytes;
                evicted.Add(key);
            }
        }

        return evicted;
    }

    /// <summary>Removes the templates made from capsules that <paramref name="keep"/> does not keep; returns their names.</summary>
    public async Task<IReadOnlyList<string>> RemoveNamedAsync(Func<string, bool> keep, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(keep);
        var removed = new List<string>();
        foreach (var directory in NamedRoots().ToList())
        {
            var key = Path.GetFileName(directory);
            if (await RemoveUnlessAsync(directory, candidate => File.Exists(Path.Combine(candidate, UsedMarker)) || keep(candidate), cancellationToken).ConfigureAwait(false))
            {
                removed.Add(key);
            }
        }

        return removed;
    }

    /// <summary>
    /// Removes a snapshot directory unless <paramref name="spare"/> says otherwise, judged while no
    /// build of its key runs; false when it stays (or a build holds it).
    /// </summary>
    private async Task<bool> RemoveUnlessAsync(string directory, Func<string, bool> spare, CancellationToken cancellationToken)
    {
        var gate = _building.GetOrAdd(Path.GetFileName(directory), _ => new SemaphoreSlim(1, 1));
        if (!await gate.WaitAsync(0, cancellationToken).ConfigureAwait(false))
        {
            return false;
        }

        try
        {
            if (!Directory.Exists(directory) || spare(directory))
            {
                return false;
            }

            // Renamed away first: a half-removed snapshot is never taken for one.
            var doomed = Path.Combine(Root, ".evict-" + Guid.NewGuid().ToString("N")[..8]);
            Directory.Move(directory, doomed);
            Directory.Delete(doomed, recursive: true);
            return true;
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>The directories of snapshots that are not built-in ones: templates made from capsules.</summary>
    public IEnumerable<string> NamedRoots() =>
        Directory.Exists(Root)
            ? Directory.EnumerateDirectories(Root).Where(directory => !Path.GetFileName(directory).StartsWith('.') && !File.Exists(Path.Combine(directory, UsedMarker)))
            : [];

    private IEnumerable<string> BuiltInRoots() =>
        Directory.Exists(Root) ? Directory.EnumerateDirectories(Root).Where(directory => File.Exists(Path.Combine(directory, UsedMarker))) : [];

    /// <summary>
    /// Returns the snapshot for <paramref name="key"/>, running <paramref name="build"/> into a fresh
    /// directory if there is none; <paramref name="whileHeld"/> runs once the snapshot exists, while
    /// no other build or eviction of the key can.
    /// </summary>
    public async Task<TemplateSnapshot> GetOrBuildAsync(
        string key, Func<SnapshotFiles, SnapshotFiles, CancellationToken, Task> build, CancellationToken cancellationToken, Action<SnapshotFiles>? whileHeld = null)
    {
        ArgumentNullException.ThrowIfNull(build);
        var files = FilesFor(key);
        var gate = _building.GetOrAdd(key, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (File.Exists(files.Manifest))
            {
                whileHeld?.Invoke(files);
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

            whileHeld?.Invoke(files);
            return new TemplateSnapshot(key, files, SnapshotManifest.Load(files));
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>Removes build and eviction directories a crash left behind.</summary>
    public void RemoveUnfinished()
    {
        if (Directory.Exists(Root))
        {
            foreach (var directory in Directory.EnumerateDirectories(Root, ".build-*").Concat(Directory.EnumerateDirectories(Root, ".evict-*")))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
    }
}
