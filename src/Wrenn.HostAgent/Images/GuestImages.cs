using System.Text.Json;
using System.Text.Json.Serialization;

namespace Wrenn.HostAgent.Images;

/// <summary>
/// The guest images built by images/build.sh: one kernel, one initramfs and a read-only root
/// filesystem per template, described by the directory's manifest.json.
/// </summary>
public sealed class GuestImages
{
    private GuestImages(string directory, Manifest manifest)
    {
        Directory = directory;
        // build.sh unpacks the manifest's kernel (a bzImage) into vmlinux beside it: Firecracker
        // boots nothing else, and QEMU boots it through its PVH entry, skipping the bzImage's
        // self-decompression (≈ 0.6 s of every cold boot under TCG).
        KernelPath = Path.Combine(directory, Path.GetDirectoryName(manifest.Kernel.File) ?? string.Empty, "vmlinux");
        InitrdPath = Path.Combine(directory, manifest.Initrd.File);
        KernelVersion = manifest.KernelVersion;
        Templates = manifest.Templates.ToDictionary(
            pair => pair.Key,
            pair => new TemplateImage(pair.Key, Path.Combine(directory, pair.Value.File), pair.Value.InputHash,
                Beside(directory, pair.Value.Recipe), Beside(directory, pair.Value.Healthcheck)),
            StringComparer.Ordinal);
    }

    public string Directory { get; }

    /// <summary>The kernel VMs boot: the uncompressed ELF of the manifest's kernel.</summary>
    public string KernelPath { get; }

    public string InitrdPath { get; }

    public string KernelVersion { get; }

    public IReadOnlyDictionary<string, TemplateImage> Templates { get; }

    /// <summary>The templates as the control plane lists them.</summary>
    public Host.Protocol.BaseImages BaseImages() =>
        new(Templates.Values.Select(image => new Host.Protocol.BaseImage(image.Name, image.InputHash,
            new DateTimeOffset(File.GetLastWriteTimeUtc(image.Path), TimeSpan.Zero), Linux.FileSystem.FileStat.AllocatedBytes(image.Path))));

    /// <summary>Loads the manifest of <paramref name="directory"/>; fails when the images were never built.</summary>
    public static GuestImages Load(string directory)
    {
        var manifestPath = Path.Combine(directory, "manifest.json");
        if (!File.Exists(manifestPath))
        {
            throw new FileNotFoundException($"No guest images in {directory}: run `make setup` (images/build.sh).", manifestPath);
        }

        var manifest = JsonSerializer.Deserialize<Manifest>(File.ReadAllText(manifestPath))
            ?? throw new InvalidDataException($"{manifestPath} is empty");
        return new GuestImages(Path.GetFullPath(directory), manifest);
    }

    private static string? Beside(string directory, string? file) => file is null ? null : Path.Combine(directory, file);

    private sealed record Manifest(
        [property: JsonPropertyName("kernel_version")] string KernelVersion,
        [property: JsonPropertyName("kernel")] ManifestFile Kernel,
        [property: JsonPropertyName("initrd")] ManifestFile Initrd,
        [property: JsonPropertyName("templates")] Dictionary<string, ManifestTemplate> Templates);

    private sealed record ManifestFile([property: JsonPropertyName("file")] string File);

    private sealed record ManifestTemplate(
        [property: JsonPropertyName("file")] string File,
        [property: JsonPropertyName("input_hash")] string InputHash,
        [property: JsonPropertyName("recipe")] string? Recipe,
        [property: JsonPropertyName("healthcheck")] string? Healthcheck);
}
