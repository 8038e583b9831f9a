namespace Wrenn.ControlPlane.Capsules;

/// <summary>The statuses of the public state machine (spec §3.2), as stored and sent.</summary>
internal static class Statuses
{
    public const string Pending = "pending";
    public const string Starting = "starting";
    public const string Running = "running";
    public const string Paused = "paused";
    public const string Missing = "missing";
    public const string Error = "error";
    public const string Stopped = "stopped";

    public static readonly IReadOnlySet<string> All = new HashSet<string>(StringComparer.Ordinal)
    {
        Pending, Starting, Running, Paused, Missing, Error, Stopped, "hibernated",
    };

    /// <summary>What GET /v1/capsules lists without a status filter.</summary>
    public static readonly IReadOnlyList<string> Listed = [Pending, Starting, Running, Paused, Missing];
}

/// <summary>What happens to a running capsule at its <see cref="CapsuleRecord.ExpiresAt"/>.</summary>
internal static class ExpiryActions
{
    public const string Kill = "kill";
    public const string Pause = "pause";
}

/// <summary>
/// A capsule row of the control plane's database. Times are Unix milliseconds. StoredBytes is the
/// disk its paused snapshot takes (0 while it runs), for the team's snapshot quota. AutoResume: a
/// paused capsule is resumed by traffic for it (the port proxy, exec and files calls). HostId: the
/// host it runs on; MissingFrom: while <c>missing</c>, the status it had before its host went silent.
/// SnapshotGeneration / StoredGeneration: its latest pause, and the latest its host put in the snapshot store.
/// ExpiresAt / ExpiryAction: an absolute end (Unix ms) at which a running capsule is killed or paused
/// (<see cref="ExpiryActions"/>; E2B's sandbox timeout); ExpiryTtlSec: how far every start (create,
/// resume) moves that end at least. GuestEnv: a JSON object of environment
/// variables for every process; GuestUser: the default user of E2B-surface calls (null: root);
/// UserMetadata: the user's key/value pairs (JSON object), apart from the agent facts in Metadata.
/// </summary>
internal sealed record CapsuleRecord(
    string Id,
    string TeamId,
    string Status,
    string? StatusReason,
    string Template,
    long Vcpus,
    long MemoryMb,
    long TimeoutSec,
    long CreatedAt,
    long? StartedAt,
    long? LastActiveAt,
    long LastUpdated,
    string Metadata,
    string? Idempotency,
    string? RequestHash,
    long StoredBytes = 0,
    long AutoResume = 0,
    string? HostId = null,
    string? MissingFrom = null,
    string? LeaseOwner = null,
    long? LeaseUntil = null,
    long? SnapshotGeneration = null,
    long? StoredGeneration = null,
    long? ExpiresAt = null,
    long? ExpiryTtlSec = null,
    string? ExpiryAction = null,
    string? GuestEnv = null,
    string? GuestUser = null,
    string? UserMetadata = null)
{
    /// <summary>Paused, and its latest pause is in the snapshot store: it can resume on any host.</summary>
    public bool ResumableAnywhere => Status == Statuses.Paused && SnapshotGeneration is { } generation && StoredGeneration == generation;
}
