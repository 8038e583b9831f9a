using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Wrenn.HostAgent.Snapshots;

/// <summary>
/// What a snapshot holds and how to check it: snapshot.json, written last and atomically. The
/// memory of a snapshot is its base file (mapped shared or copy-on-write) plus what the driver saved
/// beside the device state; the manifest lists those files (names from the driver, opaque here) with
/// their sizes, and the SHA-256 of the small ones (device state, indexes, chains).
/// </summary>
public sealed record SnapshotManifest(
    [property: JsonPropertyName("format")] int Format,
    [property: JsonPropertyName("vcpus")] int Vcpus,
    [property: JsonPropertyName("memory_mb")] int MemoryMb,
    [property: JsonPropertyName("memory_base")] string MemoryBase,
    [property: JsonPropertyName("memory_shared")] bool MemoryShared,
    [property: JsonPropertyName("files")] IReadOnlyDictionary<string, SnapshotFileSum> Files,
    // The agent secret valid in the snapshotted guest (rotated by Init right after restore).
    [property: JsonPropertyName("agent_secret")] string AgentSecret,
    [property: JsonPropertyName("created_at")] DateTimeOffset CreatedAt,
    // Whether the snapshotted VM had a network card: a restore must build the same devices.
    [property: JsonPropertyName("network")] bool Network = false,
    // The snapshotted capsule's default user and environment, which capsules made from it keep.
    [property: JsonPropertyName("defaults")] Host.Protocol.GuestDefaults? Defaults = null,
    // Templates: names this build of the template everywhere (the snapshot store keys it by this),
    // since two builds of one template differ byte for byte and a capsule's memory fits only its own.
    [property: JsonPropertyName("build_id")] string? BuildId = null,
    // Templates: the file their disk is based on (a guest image), null when it stands alone.
    [property: JsonPropertyName("root_image")] string? RootImage = null)
{
    public const int CurrentFormat = 2;

    // Larger files (memory pages, layers, RAM) are checked by size: hashing them would cost a
    // pause its speed; layers carry their own checksums, and the snapshot store checksums chunks.
    private const long SummedBytes = 4 * 1024 * 1024;

    private static readonly JsonSerializerOptions Options = new() { WriteIndented = true };

    public static string Sha256Of(string path)
    {
        using var file = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(file));
    }

    /// <summary>Sizes and sums of the named files of <paramref name="files"/>, for a new manifest.</summary>
    public static IReadOnlyDictionary<string, SnapshotFileSum> Sum(SnapshotFiles files, IEnumerable<string> names)
    {
        ArgumentNullException.ThrowIfNull(files);
        ArgumentNullException.ThrowIfNull(names);
        return names.ToDictionary(name => name, name =>
        {
            var path = Path.Combine(files.Root, name);
            var size = new FileInfo(path).Length;
            return new SnapshotFileSum(size, size <= SummedBytes ? Sha256Of(path) : null);
        }, StringComparer.Ordinal);
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
        var manifest = Read(files.Manifest);
        manifest.Verify(files);
        return manifest;
    }

    /// <summary>Parses a manifest without looking at the files it names.</summary>
    public static SnapshotManifest Read(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw new SnapshotException("snapshot manifest is missing or unreadable", exception);
        }

        return Parse(text);
    }

    /// <summary>Parses manifest JSON (current format, or format 1 of QEMU snapshots made before drivers named their files).</summary>
    public static SnapshotManifest Parse(string json)
    {
        try
        {
            var format = JsonDocument.Parse(json).RootElement.GetProperty("format").GetInt32();
            var manifest = format switch
            {
                CurrentFormat => JsonSerializer.Deserialize<SnapshotManifest>(json, Options),
                1 => JsonSerializer.Deserialize<FormatOneManifest>(json, Options)?.Upgrade(),
                _ => null,
            };
            return manifest ?? throw new SnapshotException("snapshot manifest has an unknown format");
        }
        catch (Exception exception) when (exception is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new SnapshotException("snapshot manifest is unreadable", exception);
        }
    }

    public string ToJson() => JsonSerializer.Serialize(this, Options);

    private void Verify(SnapshotFiles files)
    {
        Require(File.Exists(MemoryBase) && new FileInfo(MemoryBase).Length == (long)MemoryMb * 1024 * 1024, "memory file is missing or has the wrong size");
        foreach (var (name, sum) in Files)
        {
            var path = Path.Combine(files.Root, name);
            Require(File.Exists(path), "a snapshot file is missing");
            // A sum covers the size too.
            Require(sum.Sha256 is null ? new FileInfo(path).Length == sum.Size : Sha256Of(path) == sum.Sha256, "a snapshot file is truncated or corrupted");
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

/// <summary>
/// A snapshot file's size, and its SHA-256 when it is small enough to check at every load (format 1
/// manifests recorded a sum without the size: -1).
/// </summary>
public sealed record SnapshotFileSum(
    [property: JsonPropertyName("size")] long Size,
    [property: JsonPropertyName("sha256")] string? Sha256);
