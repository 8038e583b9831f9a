using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Wrenn.HostAgent.Snapshots;

/// <summary>
/// What a snapshot holds and how to check it: snapshot.json, written last and atomically. The
/// memory of a snapshot is its base file (mapped shared or copy-on-write) plus, when the base is
/// not the VM's own, the changed pages. Small files carry SHA-256 sums; the page data has its
/// exact expected size.
/// </summary>
public sealed record SnapshotManifest(
    [property: JsonPropertyName("format")] int Format,
    [property: JsonPropertyName("vcpus")] int Vcpus,
    [property: JsonPropertyName("memory_mb")] int MemoryMb,
    [property: JsonPropertyName("memory_base")] string MemoryBase,
    [property: JsonPropertyName("memory_shared")] bool MemoryShared,
    [property: JsonPropertyName("changed_pages")] int ChangedPages,
    [property: JsonPropertyName("device_state_sha256")] string DeviceStateSha256,
    [property: JsonPropertyName("memory_index_sha256")] string? MemoryIndexSha256,
    // The agent secret valid in the snapshotted guest (rotated by Init right after restore).
    [property: JsonPropertyName("agent_secret")] string AgentSecret,
    [property: JsonPropertyName("created_at")] DateTimeOffset CreatedAt,
    // Whether the snapshotted VM had a network card: a restore must build the same devices.
    [property: JsonPropertyName("network")] bool Network = false,
    // The snapshotted capsule's default user and environment, which capsules made from it keep.
    [property: JsonPropertyName("defaults")] Host.Protocol.GuestDefaults? Defaults = null)
{
    public const int CurrentFormat = 1;

    private static readonly JsonSerializerOptions Options = new() { WriteIndented = true };

    public static string Sha256Of(string path)
    {
        using var file = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(file));
    }

    /// <summary>Writes the manifest: the commit point of a snapshot.</summary>
    public void Save(SnapshotFiles files)
    {
        ArgumentNullException.ThrowIfNull(files);
        var temporary = files.Manifest + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite };
        using (var file = new FileStream(temporary, options))
        {
            JsonSerializer.Serialize(file, this, Options);
            file.Flush(flushToDisk: true);
        }

        File.Move(temporary, files.Manifest, overwrite: true);
    }

    /// <summary>Loads and verifies a snapshot; a missing or damaged file is a <see cref="SnapshotException"/>.</summary>
    public static SnapshotManifest Load(SnapshotFiles files)
    {
        ArgumentNullException.ThrowIfNull(files);
        SnapshotManifest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<SnapshotManifest>(File.ReadAllText(files.Manifest), Options);
        }
        catch (Exception exception) when (exception is IOException or JsonException or UnauthorizedAccessException)
        {
            throw new SnapshotException("snapshot manifest is missing or unreadable", exception);
        }

        if (manifest is null || manifest.Format != CurrentFormat)
        {
            throw new SnapshotException("snapshot manifest has an unknown format");
        }

        manifest.Verify(files);
        return manifest;
    }

    private void Verify(SnapshotFiles files)
    {
        Require(File.Exists(MemoryBase) && new FileInfo(MemoryBase).Length == (long)MemoryMb * 1024 * 1024, "memory file is missing or has the wrong size");
        Require(File.Exists(files.DeviceState) && Sha256Of(files.DeviceState) == DeviceStateSha256, "device state is missing or corrupted");
        if (ChangedPages > 0 || MemoryIndexSha256 is not null)
        {
            Require(File.Exists(files.MemoryIndex) && Sha256Of(files.MemoryIndex) == MemoryIndexSha256, "memory index is missing or corrupted");
            Require(File.Exists(files.MemoryPages) && new FileInfo(files.MemoryPages).Length == (long)ChangedPages * 4096, "memory pages are missing or truncated");
        }
    }

    private static void Require(bool condition, string problem)
    {
        if (!condition)
        {
            throw new SnapshotException(problem);
        }
    }
}
