using Wrenn.Host.Protocol;
using Wrenn.HostAgent.Capsules;
using Wrenn.HostAgent.Images;
using Wrenn.HostAgent.Snapshots;
using Wrenn.HostAgent.Vmm;
using Wrenn.SnapshotStore;

namespace Wrenn.HostAgent.Portable;

/// <summary>
/// This host's side of the snapshot store (docs/portable-snapshots.md): sends a paused capsule's
/// snapshot there, with the template build and the image it sits on (each sent only when the store lacks it), and brings
/// them back on any host. The files move as opaque parts named by the driver; after a copy the
/// driver points them at this host's paths (<see cref="IVmm.RebaseAsync"/>).
/// </summary>
public sealed class PortableSnapshots(RuntimeOptions options, IVmm vmm, GuestImages images, TemplateStore templates, TimeProvider time)
{
    // Snapshot files change page by page between generations: small chunks keep a second upload
    // small. Disks, images and template memory are large and change in larger runs.
    private const int SnapshotChunk = 256 * 1024;
    private const int BulkChunk = 1024 * 1024;

    // Beside a capsule's snapshot directory: which store already holds it.
    private const string StoredMarker = "stored";
    private const string DiskPart = "disk";
    private const string SnapshotPrefix = "snapshot/";
    private static readonly TimeSpan ProbeLimit = TimeSpan.FromSeconds(3);

    private readonly ImageDigests _digests = new();
    private volatile StoreConnection? _store;

    private const string ImportPrefix = ".import-";

    /// <summary>Removes the staging directories of imports a crash cut short (the store still has what they held).</summary>
    public void RemoveUnfinished()
    {
        if (Directory.Exists(options.CapsulesDirectory))
        {
            foreach (var directory in Directory.EnumerateDirectories(options.CapsulesDirectory, ImportPrefix + "*"))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
    }

    /// <summary>Whether a store is configured: without one, snapshots stay on this host.</summary>
    public bool Configured => _store is not null;

    /// <summary>Whether the store named <paramref name="identity"/> is the one in use.</summary>
    public bool Uses(string identity) => _store?.Identity == identity;

    /// <summary>Uses <paramref name="store"/> from now on; <paramref name="identity"/> tells stores apart (a different one means uploading again).</summary>
    public void Use(IObjectStore store, string identity) =>
        _store = new StoreConnection(new ChunkStore(store, time, StoreCollector.DefaultGrace), new ManifestStore(store), store, identity);

    /// <summary>Fails fast with <see cref="StoreUnavailableException"/> when the store cannot be reached (before a pause).</summary>
    public async Task ProbeAsync(CancellationToken cancellationToken)
    {
        if (_store is not { } store)
        {
            return;
        }

        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(ProbeLimit);
        try
        {
            await store.Objects.StatAsync(StoreKeys.Manifests + "probe", limit.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new StoreUnavailableException("the snapshot store did not answer in time");
        }
    }

    /// <summary>Whether the capsule's latest pause is in the configured store.</summary>
    public bool IsStored(CapsuleDirectory directory, int generation) =>
        _store is { } store && HasMarker(directory.Generation(generation).Root, store);

    /// <summary>
    /// Uploads a paused capsule's latest snapshot (template build and image first, each once) and
    /// writes its manifest last. False when it cannot travel (a cold-booted capsule owns its memory).
    /// </summary>
    public async Task<(bool Exported, TransferStats Stats)> ExportCapsuleAsync(CapsuleDirectory directory, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(directory);
        var store = _store ?? throw new StoreUnavailableException("no snapshot store is configured");
        var state = CapsuleState.Load(directory);
        if (state is not { Status: CapsuleStatus.Paused, MemoryShared: false })
        {
            return (false, default);
        }

        var files = directory.Generation(state.Generation);
        if (HasMarker(files.Root, store))
        {
            return (true, default);
        }

        var snapshot = SnapshotManifest.Load(files);
        var (build, stats) = await ExportTemplateAsync(store, new SnapshotFiles(Path.GetDirectoryName(state.MemoryPath)!), state.Template, cancellationToken).ConfigureAwait(false);
        var (parts, partStats) = await UploadPartsAsync(store, files, snapshot, Path.Combine(directory.Root, vmm.DiskFile), cancellationToken).ConfigureAwait(false);
        var stored = new StoredCapsule(state.Id, state.Generation, vmm.Name, state.Template, build, state.CreatedAt, state.MemoryPath, state.RootImage,
            snapshot.ToJson(), parts, [StoreKeys.Template(build)]);
        await store.Manifests.PutManifestAsync(StoreKeys.Capsule(state.Id, state.Generation), stored, cancellationToken).ConfigureAwait(false);
        Mark(files.Root, store);
        return (true, stats + partStats);
    }

    /// <summary>
    /// Brings a capsule's snapshot of <paramref name="generation"/> from the store into its directory
    /// here, as a paused capsule (replacing an older copy this host may hold), ready to resume.
    /// </summary>
    public async Task<TransferStats> ImportCapsuleAsync(CapsuleId id, int generation, CancellationToken cancellationToken)
    {
        var store = _store ?? throw new StoreUnavailableException("no snapshot store is configured");
        var stored = await store.Manifests.GetManifestAsync<StoredCapsule>(StoreKeys.Capsule(id.Value, generation), cancellationToken).ConfigureAwait(false)
            ?? throw new SnapshotCorruptException("the capsule's snapshot is not in the store");
        if (stored.Vmm != vmm.Name)
        {
            throw new CapsuleException(CapsuleFailure.ResumeFailed, $"the capsule ran under {stored.Vmm}, this host runs {vmm.Name}");
        }

        var (template, stats) = await ImportTemplateAsync(store, stored.TemplateBuild, cancellationToken).ConfigureAwait(false);
        var staging = new CapsuleDirectory(Path.Combine(options.CapsulesDirectory, ImportPrefix + id.Value));
        Recreate(staging.Root);
        try
        {
            var files = staging.Generation(generation);
            Directory.CreateDirectory(files.Root);
            var disk = Path.Combine(staging.Root, vmm.DiskFile);
            stats += await DownloadPartsAsync(store, stored.Parts, files, disk, cancellationToken).ConfigureAwait(false);
            var templateDisk = Path.Combine(template.Files.Root, vmm.DiskFile);
            var moved = MovedFiles(Path.GetDirectoryName(stored.MemoryBase)!, template);
            moved[stored.RootImage] = templateDisk;
            await vmm.RebaseAsync(disk, files, moved, cancellationToken).ConfigureAwait(false);
            var snapshot = SnapshotManifest.Parse(stored.Snapshot) with { MemoryBase = template.Files.Memory };
            snapshot.Save(files);
            SnapshotManifest.Load(files);
            Mark(files.Root, store);
            var state = new CapsuleState(id.Value, stored.Template, snapshot.Vcpus, snapshot.MemoryMb, vmm.Name, 0, 0, snapshot.AgentSecret, null, stored.CreatedAt,
                CapsuleStatus.Paused, template.Files.Memory, MemoryShared: false, templateDisk, generation, snapshot.Network, snapshot.Defaults);
            await state.SaveAsync(staging, cancellationToken).ConfigureAwait(false);
            var target = CapsuleDirectory.For(options.DataDirectory, id);
            if (Directory.Exists(target.Root))
            {
                // An older pause of it that this host held: the store's is the latest.
                Directory.Delete(target.Root, recursive: true);
            }

            Directory.Move(staging.Root, target.Root);
            return stats;
        }
        finally
        {
            if (Directory.Exists(staging.Root))
            {
                Directory.Delete(staging.Root, recursive: true);
            }
        }
    }

    /// <summary>Uploads a template (made from a capsule) right after it was made, so that creates from it work on every host; returns its build id.</summary>
    public async Task<string> ExportTemplateAsync(TemplateSnapshot template, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(template);
        var store = _store ?? throw new StoreUnavailableException("no snapshot store is configured");
        return (await ExportTemplateAsync(store, template.Files, template.Name, cancellationToken).ConfigureAwait(false)).Build;
    }

    /// <summary>This host's copy of a template build, fetched from the store when it has none.</summary>
    public async Task<TemplateSnapshot> TemplateAsync(string buildId, CancellationToken cancellationToken)
    {
        var store = _store ?? throw new StoreUnavailableException("no snapshot store is configured");
        return (await ImportTemplateAsync(store, buildId, cancellationToken).ConfigureAwait(false)).Template;
    }

    private async Task<(string Build, TransferStats Stats)> ExportTemplateAsync(StoreConnection store, SnapshotFiles files, string name, CancellationToken cancellationToken)
    {
        var manifest = SnapshotManifest.Load(files);
        if (manifest.BuildId is null)
        {
            // Built before builds had ids: name this one now.
            manifest = manifest with { BuildId = Guid.NewGuid().ToString("N") };
            manifest.Save(files);
        }

        var build = manifest.BuildId;
        var key = StoreKeys.Template(build);
        if (await store.Objects.StatAsync(key, cancellationToken).ConfigureAwait(false) is not null)
        {
            // Asked of the store, not remembered here: the collector removes a build once nothing
            // references it. Touched, it stays while the manifest about to reference it is written.
            await store.Objects.TouchAsync(key, cancellationToken).ConfigureAwait(false);
            return (build, default);
        }

        var stats = default(TransferStats);
        string? image = null;
        if (manifest.RootImage is { } rootImage && File.Exists(rootImage))
        {
            (image, stats) = await ExportImageAsync(store, rootImage, cancellationToken).ConfigureAwait(false);
        }

        var (parts, partStats) = await UploadPartsAsync(store, files, manifest, Path.Combine(files.Root, vmm.DiskFile), cancellationToken).ConfigureAwait(false);
        var stored = new StoredTemplate(build, name, vmm.Name, manifest.MemoryBase, manifest.RootImage, image, manifest.ToJson(), parts,
            image is null ? [] : [StoreKeys.Image(image)]);
        await store.Manifests.PutManifestAsync(key, stored, cancellationToken).ConfigureAwait(false);
        return (build, stats + partStats);
    }

    private async Task<(TemplateSnapshot Template, TransferStats Stats)> ImportTemplateAsync(StoreConnection store, string build, CancellationToken cancellationToken)
    {
        if (templates.FindBuild(build) is { } local)
        {
            return (local, default);
        }

        var stored = await store.Manifests.GetManifestAsync<StoredTemplate>(StoreKeys.Template(build), cancellationToken).ConfigureAwait(false)
            ?? throw new SnapshotCorruptException("the template's snapshot is not in the store");
        var stats = default(TransferStats);
        string? image = null;
        if (stored.ImageSha256 is { } sha)
        {
            (image, stats) = await ImportImageAsync(store, sha, cancellationToken).ConfigureAwait(false);
        }

        var snapshot = await templates.ImportAsync(build, async (staging, final, token) =>
        {
            var disk = Path.Combine(staging.Root, vmm.DiskFile);
            stats += await DownloadPartsAsync(store, stored.Parts, staging, disk, token).ConfigureAwait(false);
            var moved = new Dictionary<string, string>(StringComparer.Ordinal);
            if (stored.RootImage is { } origin && image is not null)
            {
                moved[origin] = image;
            }

            await vmm.RebaseAsync(disk, staging, moved, token).ConfigureAwait(false);
            var manifest = SnapshotManifest.Parse(stored.Snapshot) with { MemoryBase = final.Memory, RootImage = image };
            manifest.Save(staging);
        }, cancellationToken).ConfigureAwait(false);
        return (snapshot, stats);
    }

    private async Task<(string Sha256, TransferStats Stats)> ExportImageAsync(StoreConnection store, string path, CancellationToken cancellationToken)
    {
        var sha = await _digests.OfAsync(path, cancellationToken).ConfigureAwait(false);
        var key = StoreKeys.Image(sha);
        if (await store.Objects.StatAsync(key, cancellationToken).ConfigureAwait(false) is not null)
        {
            return (sha, default);
        }

        var (part, stats) = await store.Chunks.UploadFileAsync(path, BulkChunk, cancellationToken).ConfigureAwait(false);
        await store.Manifests.PutManifestAsync(key, new StoredImage(sha, new Dictionary<string, PartManifest> { ["image"] = part }, []), cancellationToken).ConfigureAwait(false);
        return (sha, stats);
    }

    /// <summary>
    /// An image with these bytes on this host: one of its own guest images when the bytes match (never
    /// a path the store names), else a copy from the store.
    /// </summary>
    private async Task<(string Path, TransferStats Stats)> ImportImageAsync(StoreConnection store, string sha, CancellationToken cancellationToken)
    {
        foreach (var candidate in images.Templates.Values.Select(image => image.Path).Distinct().Where(File.Exists))
        {
            if (await _digests.OfAsync(candidate, cancellationToken).ConfigureAwait(false) == sha)
            {
                return (candidate, default);
            }
        }

        var copy = Path.Combine(options.DataDirectory, "images", sha + ".img");
        if (File.Exists(copy))
        {
            return (copy, default);
        }

        var stored = await store.Manifests.GetManifestAsync<StoredImage>(StoreKeys.Image(sha), cancellationToken).ConfigureAwait(false)
            ?? throw new SnapshotCorruptException("the template's image is not in the store");
        Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
        var stats = await store.Chunks.DownloadFileAsync(stored.Parts["image"], copy, cancellationToken).ConfigureAwait(false);
        return (copy, stats);
    }

    private static async Task<(Dictionary<string, PartManifest> Parts, TransferStats Stats)> UploadPartsAsync(
        StoreConnection store, SnapshotFiles files, SnapshotManifest manifest, string disk, CancellationToken cancellationToken)
    {
        var parts = new Dictionary<string, PartManifest>(StringComparer.Ordinal);
        var stats = default(TransferStats);
        foreach (var name in manifest.Files.Keys)
        {
            var chunk = name == Path.GetFileName(files.Memory) ? BulkChunk : SnapshotChunk;
            var (part, partStats) = await store.Chunks.UploadFileAsync(Path.Combine(files.Root, name), chunk, cancellationToken).ConfigureAwait(false);
            parts[SnapshotPrefix + name] = part;
            stats += partStats;
        }

        if (File.Exists(disk))
        {
            var (part, partStats) = await store.Chunks.UploadFileAsync(disk, BulkChunk, cancellationToken).ConfigureAwait(false);
            parts[DiskPart] = part;
            stats += partStats;
        }

        return (parts, stats);
    }

    private static async Task<TransferStats> DownloadPartsAsync(
        StoreConnection store, IReadOnlyDictionary<string, PartManifest> parts, SnapshotFiles files, string disk, CancellationToken cancellationToken)
    {
        var stats = default(TransferStats);
        foreach (var (name, part) in parts)
        {
            var target = name == DiskPart ? disk
                : name.StartsWith(SnapshotPrefix, StringComparison.Ordinal) && Path.GetFileName(name[SnapshotPrefix.Length..]) == name[SnapshotPrefix.Length..]
                    ? Path.Combine(files.Root, name[SnapshotPrefix.Length..])
                    : throw new SnapshotCorruptException("the snapshot names an unknown part");
            stats += await store.Chunks.DownloadFileAsync(part, target, cancellationToken).ConfigureAwait(false);
        }

        return stats;
    }

    /// <summary>The files of a template as the snapshot that was based on it saw them (its directory there) → here.</summary>
    private Dictionary<string, string> MovedFiles(string originRoot, TemplateSnapshot template)
    {
        var moved = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [Path.Combine(originRoot, Path.GetFileName(template.Files.Memory))] = template.Files.Memory,
        };
        foreach (var name in vmm.SnapshotFiles(template.Files))
        {
            moved[Path.Combine(originRoot, name)] = Path.Combine(template.Files.Root, name);
        }

        return moved;
    }

    private static bool HasMarker(string root, StoreConnection store)
    {
        var marker = Path.Combine(root, StoredMarker);
        return File.Exists(marker) && File.ReadAllText(marker) == store.Identity;
    }

    private static void Mark(string root, StoreConnection store) => File.WriteAllText(Path.Combine(root, StoredMarker), store.Identity);

    private static void Recreate(string path)
    {
        if (Directory.Exists(path))
        {
            Directory.Delete(path, recursive: true);
        }

        Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    private sealed record StoreConnection(ChunkStore Chunks, ManifestStore Manifests, IObjectStore Objects, string Identity);
}
