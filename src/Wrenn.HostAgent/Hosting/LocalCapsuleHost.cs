using Wrenn.Agent.Protocol;
using Wrenn.Host.Protocol;
using Wrenn.HostAgent.Capsules;
using Wrenn.HostAgent.Snapshots;
using Wrenn.HostAgent.Vmm;
using Wrenn.SnapshotStore;

namespace Wrenn.HostAgent.Hosting;

/// <summary>
/// This machine's capsules behind the host interface: the in-process host of <c>wrenn serve</c>,
/// and what a <c>wrenn agent</c> serves to a control plane elsewhere.
/// </summary>
public sealed class LocalCapsuleHost : ICapsuleHost, IAsyncDisposable
{
    private readonly CapsuleRuntime _runtime;
    private readonly RuntimeOptions _options;
    private readonly Lazy<Task<IReadOnlyDictionary<CapsuleId, string>>> _adoption;

    public LocalCapsuleHost(CapsuleRuntime runtime, RuntimeOptions options)
    {
        _runtime = runtime;
        _options = options;
        _runtime.Crashed += OnCrashed;
        _runtime.Uploads.Stored += OnStored;
        // Once per process: a second adoption would treat a resume in progress as a leftover.
        _adoption = new(() => _runtime.AdoptAllAsync(CancellationToken.None));
    }

    public event Action<CapsuleId, string>? Crashed;

    public event Action<CapsuleId, int>? SnapshotStored;

    public Task UseSnapshotStoreAsync(Host.Protocol.SnapshotStoreSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var location = settings.Parse();
        // Every connect sends the settings: the store opened before serves on while they are the same.
        if (!_runtime.Portable.Uses(location.Describe()))
        {
            _runtime.Portable.Use(ObjectStores.Open(location), location.Describe());
        }

        return Task.CompletedTask;
    }

    /// <summary>How many capsules run here now (heartbeats).</summary>
    public int RunningCount => _runtime.Running.Count;

    /// <summary>Guest RAM of the capsules running here, in MiB.</summary>
    public long RunningMemoryMb => _runtime.Running.Sum(capsule => (long)capsule.State.MemoryMb);

    /// <summary>Disk used on the data directory's filesystem, in GiB.</summary>
    public long DiskGbUsed
    {
        get
        {
            var drive = new DriveInfo(_options.DataDirectory);
            return (drive.TotalSize - drive.AvailableFreeSpace) / (1024L * 1024 * 1024);
        }
    }

    public async Task<HostedCapsule> CreateAsync(CapsuleSpec spec, CancellationToken cancellationToken) =>
        Hosted(await _runtime.CreateAsync(spec, cancellationToken).ConfigureAwait(false));

    public Task<int> PauseAsync(CapsuleId id, CancellationToken cancellationToken) => _runtime.PauseAsync(id, cancellationToken);

    public async Task<HostedCapsule> ResumeAsync(CapsuleId id, int? stored, CancellationToken cancellationToken) =>
        Hosted(await _runtime.ResumeAsync(id, cancellationToken, stored: stored).ConfigureAwait(false));

    public Task DeleteAsync(CapsuleId id, CancellationToken cancellationToken) => _runtime.DeleteAsync(id, cancellationToken);

    public Task<long> DiskUsageAsync(CapsuleId id, CancellationToken cancellationToken) => Task.FromResult(_runtime.DiskUsage(id));

    public GuestServices? Guest(CapsuleId id) => _runtime.Find(id)?.Agent.Services;

    public async Task<HostTemplate> SnapshotToTemplateAsync(CapsuleId id, string name, GuestDefaults? defaults, CancellationToken cancellationToken)
    {
        var snapshot = await _runtime.SnapshotToTemplateAsync(id, name, defaults, cancellationToken).ConfigureAwait(false);
        var stored = await _runtime.TryStoreTemplateAsync(snapshot, cancellationToken).ConfigureAwait(false);
        return new HostTemplate(name, snapshot.Manifest.Vcpus, snapshot.Manifest.MemoryMb, StoredSize.Of(snapshot.Files.Root), snapshot.Manifest.Defaults,
            stored ?? snapshot.Manifest.BuildId!, stored is not null);
    }

    public Task<bool> HasTemplateAsync(string name, CancellationToken cancellationToken) => Task.FromResult(_runtime.HasNamedTemplate(name));

    public Task<IReadOnlyList<string>> RemoveUnusedTemplatesAsync(IReadOnlySet<string> kept, CancellationToken cancellationToken) =>
        _runtime.RemoveUnusedNamedTemplatesAsync(kept, cancellationToken);

    /// <summary>Completes once the VMs an earlier run left are taken over (the first caller starts that, bounded per VM).</summary>
    public Task AdoptedAsync(CancellationToken cancellationToken) => _adoption.Value.WaitAsync(cancellationToken);

    /// <summary>The first call takes over the VMs an earlier run left (bounded per VM); later calls only look.</summary>
    public async Task<HostInventory> InventoryAsync(CancellationToken cancellationToken)
    {
        var adoptionFailures = await _adoption.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
        var running = _runtime.Running.Select(capsule => capsule.Id).ToHashSet();
        var onDisk = _runtime.OnDisk();
        var paused = onDisk.Where(id => !running.Contains(id) && _runtime.StatusOnDisk(id) == CapsuleStatus.Paused).ToHashSet();
        var stored = paused.Where(id => _runtime.IsStored(id)).ToHashSet();
        var failed = adoptionFailures.Where(failure => onDisk.Contains(failure.Key) && !running.Contains(failure.Key) && !paused.Contains(failure.Key))
            .ToDictionary(failure => failure.Key, failure => failure.Value);
        return new HostInventory(running, paused, failed, stored);
    }

    public async ValueTask DisposeAsync()
    {
        _runtime.Crashed -= OnCrashed;
        _runtime.Uploads.Stored -= OnStored;
        await _runtime.DisposeAsync().ConfigureAwait(false);
    }

    private static HostedCapsule Hosted(Capsule capsule) => new(capsule.Id, capsule.Versions.Agent, capsule.Versions.Kernel);

    private void OnCrashed(CapsuleId id, VmExit exit) => Crashed?.Invoke(id, exit.Reason);

    private void OnStored(CapsuleId id, int generation, TransferStats stats) => SnapshotStored?.Invoke(id, generation);
}
