using System.Text.Json.Serialization;

namespace Wrenn.HostAgent.Snapshots;

/// <summary>
/// snapshot.json as QEMU capsules paused before format 2 have it: the changed pages packed in index
/// order and no file list. Read so that such capsules still resume (the QEMU driver reads both
/// page layouts).
/// </summary>
internal sealed record FormatOneManifest(
    [property: JsonPropertyName("vcpus")] int Vcpus,
    [property: JsonPropertyName("memory_mb")] int MemoryMb,
    [property: JsonPropertyName("memory_base")] string MemoryBase,
    [property: JsonPropertyName("memory_shared")] bool MemoryShared,
    [property: JsonPropertyName("changed_pages")] int ChangedPages,
    [property: JsonPropertyName("device_state_sha256")] string DeviceStateSha256,
    [property: JsonPropertyName("memory_index_sha256")] string? MemoryIndexSha256,
    [property: JsonPropertyName("agent_secret")] string AgentSecret,
    [property: JsonPropertyName("created_at")] DateTimeOffset CreatedAt,
    [property: JsonPropertyName("network")] bool Network = false,
    [property: JsonPropertyName("defaults")] Host.Protocol.GuestDefaults? Defaults = null)
{
    public SnapshotManifest Upgrade()
    {
        var files = new Dictionary<string, SnapshotFileSum>(StringComparer.Ordinal) { ["devices.state"] = new(-1, DeviceStateSha256) };
        if (ChangedPages > 0 || MemoryIndexSha256 is not null)
        {
            files["memory.index"] = new(ChangedPages * 4L, MemoryIndexSha256);
            files["memory.pages"] = new(ChangedPages * 4096L, null);
        }

        return new SnapshotManifest(SnapshotManifest.CurrentFormat, Vcpus, MemoryMb, MemoryBase, MemoryShared, files, AgentSecret, CreatedAt, Network, Defaults);
    }
}
