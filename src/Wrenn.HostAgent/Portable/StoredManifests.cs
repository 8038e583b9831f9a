using System.Text.Json.Serialization;
using Wrenn.Host.Protocol;
using Wrenn.SnapshotStore;

namespace Wrenn.HostAgent.Portable;

/// <summary>
/// A paused capsule in the snapshot store: what its capsule.json says about it, its snapshot
/// manifest (as the pausing host wrote it), and its files as parts: "snapshot/&lt;name&gt;" for the
/// files the driver saved, "disk" for its root disk. It sits on one template build, referenced.
/// </summary>
internal sealed record StoredCapsule(
    [property: JsonPropertyName("capsule_id")] string CapsuleId,
    [property: JsonPropertyName("generation")] int Generation,
    [property: JsonPropertyName("vmm")] string Vmm,
    [property: JsonPropertyName("template")] string Template,
    [property: JsonPropertyName("template_build")] string TemplateBuild,
    [property: JsonPropertyName("created_at")] DateTimeOffset CreatedAt,
    // Paths on the pausing host of what the capsule is based on, so the importing host can point
    // them at its own copies.
    [property: JsonPropertyName("memory_base")] string MemoryBase,
    [property: JsonPropertyName("root_image")] string RootImage,
    [property: JsonPropertyName("snapshot")] string Snapshot,
    [property: JsonPropertyName("parts")] IReadOnlyDictionary<string, PartManifest> Parts,
    [property: JsonPropertyName("references")] IReadOnlyList<string> References) : IStoredManifest;

/// <summary>
/// One build of a template: its snapshot manifest and files ("snapshot/&lt;name&gt;", "disk"), and
/// the image its disk is based on, referenced by content.
/// </summary>
internal sealed record StoredTemplate(
    [property: JsonPropertyName("build_id")] string BuildId,
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("vmm")] string Vmm,
    [property: JsonPropertyName("memory_base")] string MemoryBase,
    [property: JsonPropertyName("root_image")] string? RootImage,
    [property: JsonPropertyName("image_sha256")] string? ImageSha256,
    [property: JsonPropertyName("snapshot")] string Snapshot,
    [property: JsonPropertyName("parts")] IReadOnlyDictionary<string, PartManifest> Parts,
    [property: JsonPropertyName("references")] IReadOnlyList<string> References) : IStoredManifest;

/// <summary>A guest root image, by content: template disks are overlays on it.</summary>
internal sealed record StoredImage(
    [property: JsonPropertyName("sha256")] string Sha256,
    [property: JsonPropertyName("parts")] IReadOnlyDictionary<string, PartManifest> Parts,
    [property: JsonPropertyName("references")] IReadOnlyList<string> References) : IStoredManifest;

/// <summary>A capsule's pause that is (or is being made) resumable on any host.</summary>
public sealed record StoredSnapshotRef(CapsuleId Capsule, int Generation);
