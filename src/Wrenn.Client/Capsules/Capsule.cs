namespace Wrenn.Client;

/// <summary>A capsule: a microVM made from a template.</summary>
/// <param name="Id">Its id.</param>
/// <param name="Status">Where it is in its lifecycle.</param>
/// <param name="StatusReason">Short text for states the system caused (<c>inactivity timeout</c>, <c>deleted</c>…).</param>
/// <param name="Template">The template it was created from.</param>
/// <param name="Vcpus">Virtual CPUs.</param>
/// <param name="MemoryMb">Memory in MiB.</param>
/// <param name="TimeoutSec">Seconds of inactivity before it is paused; 0: never.</param>
/// <param name="AutoResume">Traffic to it while paused resumes it.</param>
/// <param name="CreatedAt">When its create was accepted.</param>
/// <param name="StartedAt">When it last entered <see cref="CapsuleStatus.Running"/>.</param>
/// <param name="LastActiveAt">When it was last busy (at most 5 s stale).</param>
/// <param name="LastUpdated">Its last status change.</param>
/// <param name="Metadata">Runtime information (kernel and agent versions); the keys are no contract.</param>
/// <param name="SnapshotStored">Paused, and its snapshot is in the snapshot store: it resumes on any host.</param>
public sealed record Capsule(
    CapsuleId Id,
    CapsuleStatus Status,
    string? StatusReason,
    string Template,
    int Vcpus,
    int MemoryMb,
    int TimeoutSec,
    bool AutoResume,
    DateTimeOffset CreatedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? LastActiveAt,
    DateTimeOffset LastUpdated,
    IReadOnlyDictionary<string, string> Metadata,
    bool SnapshotStored);
