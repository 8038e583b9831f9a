using Wrenn.Agent.Protocol;

namespace Wrenn.Host.Protocol;

/// <summary>
/// One host's capsules as the control plane drives them: the only way it reaches VMs. Implemented
/// in process (the single-machine default) and over gRPC to a <c>wrenn agent</c> on another machine.
/// Expected failures are <see cref="CapsuleException"/>s; a host that cannot be reached throws
/// <see cref="HostUnavailableException"/>.
/// </summary>
public interface ICapsuleHost
{
    /// <summary>A capsule's VM ended on its own (a crash), with a short reason.</summary>
    event Action<CapsuleId, string>? Crashed;

    /// <summary>A paused capsule's snapshot of this generation is now in the snapshot store: it can resume on any host.</summary>
    event Action<CapsuleId, int>? SnapshotStored;

    /// <summary>The snapshot store to send pauses to from now on (the control plane sets it on every connect).</summary>
    Task UseSnapshotStoreAsync(SnapshotStoreSettings settings, CancellationToken cancellationToken);

    /// <summary>Restores the template's snapshot (or boots it) into a new running capsule.</summary>
    Task<HostedCapsule> CreateAsync(CapsuleSpec spec, CancellationToken cancellationToken);

    /// <summary>
    /// Saves the running capsule to a snapshot and ends its VM; a failure leaves it running. Returns
    /// the snapshot's pause generation; its upload to the store follows (<see cref="SnapshotStored"/>).
    /// </summary>
    Task<int> PauseAsync(CapsuleId id, CancellationToken cancellationToken);

    /// <summary>
    /// Starts the paused capsule again from its snapshot: the one this host holds, or, with
    /// <paramref name="stored"/>, that pause generation fetched from the store when this host lacks it.
    /// </summary>
    Task<HostedCapsule> ResumeAsync(CapsuleId id, int? stored, CancellationToken cancellationToken);

    /// <summary>Stops the capsule's VM if it runs and removes everything it has on the host.</summary>
    Task DeleteAsync(CapsuleId id, CancellationToken cancellationToken);

    /// <summary>Bytes the capsule's files take on the host (its snapshot, once paused).</summary>
    Task<long> DiskUsageAsync(CapsuleId id, CancellationToken cancellationToken);

    /// <summary>
    /// The running capsule's guest agent; null when the host knows it does not run there. Calls on
    /// it fail with gRPC statuses, as on the capsule's own link.
    /// </summary>
    GuestServices? Guest(CapsuleId id);

    /// <summary>Snapshots a running or paused capsule into a template of the host named <paramref name="name"/>.</summary>
    Task<HostTemplate> SnapshotToTemplateAsync(CapsuleId id, string name, GuestDefaults? defaults, CancellationToken cancellationToken);

    /// <summary>True when the host holds the named template.</summary>
    Task<bool> HasTemplateAsync(string name, CancellationToken cancellationToken);

    /// <summary>Removes the host's named templates not in <paramref name="kept"/> that nothing maps; returns their names.</summary>
    Task<IReadOnlyList<string>> RemoveUnusedTemplatesAsync(IReadOnlySet<string> kept, CancellationToken cancellationToken);

    /// <summary>
    /// What the host has now, after taking over the VMs an earlier run of it left (bounded: no VM
    /// holds it up). Capsules that neither run nor are paused come with the reason.
    /// </summary>
    Task<HostInventory> InventoryAsync(CancellationToken cancellationToken);
}

/// <summary>A capsule running on a host, with what its guest reported when it became ready.</summary>
public sealed record HostedCapsule(CapsuleId Id, string AgentVersion, string KernelVersion);

/// <summary>
/// A template a host made from a capsule: its size, the guest defaults it keeps, its build id and
/// whether that build is in the snapshot store (then a create from it works on every host).
/// </summary>
public sealed record HostTemplate(string Name, int Vcpus, int MemoryMb, long SizeBytes, GuestDefaults? Defaults, string BuildId, bool Stored);

/// <summary>
/// A host's capsules: running, paused (and which of those have their latest pause in the snapshot
/// store), and those with files that can do neither (and why).
/// </summary>
public sealed record HostInventory(
    IReadOnlySet<CapsuleId> Running,
    IReadOnlySet<CapsuleId> Paused,
    IReadOnlyDictionary<CapsuleId, string> Failed,
    IReadOnlySet<CapsuleId> Stored);

/// <summary>
/// Where snapshots go (operator settings of the control plane): a directory path or
/// s3://bucket/prefix, and for S3 its endpoint, region and credentials.
/// </summary>
public sealed record SnapshotStoreSettings(string Location, string? Endpoint = null, string? Region = null, string? AccessKey = null, string? SecretKey = null)
{
    /// <summary>Where the settings point; a malformed location is an <see cref="ArgumentException"/> or <see cref="FormatException"/>.</summary>
    public SnapshotStore.StoreLocation Parse() => SnapshotStore.StoreLocation.Parse(Location, new SnapshotStore.S3Settings
    {
        Endpoint = Endpoint, Region = Region, AccessKey = AccessKey, SecretKey = SecretKey,
    });

    /// <summary>No secret in logs or exception messages.</summary>
    public override string ToString() => $"{Location} ({Endpoint ?? "local"})";
}
