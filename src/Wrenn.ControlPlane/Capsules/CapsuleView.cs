using System.Text.Json;

namespace Wrenn.ControlPlane.Capsules;

/// <summary>The Capsule object of the API (spec §3.1).</summary>
internal sealed record CapsuleView(
    string Id,
    string Status,
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
    // Paused and its latest pause is in the snapshot store: it resumes on any host (docs/api-notes.md).
    bool SnapshotStored)
{
    public static CapsuleView Of(CapsuleRecord record, long? lastActive = null) => new(
        record.Id,
        record.Status,
        record.StatusReason,
        record.Template,
        (int)record.Vcpus,
        (int)record.MemoryMb,
        (int)record.TimeoutSec,
        record.AutoResume != 0,
        FromMs(record.CreatedAt),
        record.StartedAt is { } started ? FromMs(started) : null,
        Max(record.LastActiveAt, lastActive) is { } active ? FromMs(active) : null,
        FromMs(record.LastUpdated),
        JsonSerializer.Deserialize<Dictionary<string, string>>(record.Metadata) ?? [],
        record.ResumableAnywhere);

    private static long? Max(long? a, long? b) => a is null ? b : b is null ? a : Math.Max(a.Value, b.Value);

    private static DateTimeOffset FromMs(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms);
}
