namespace Wrenn.Host.Protocol;

/// <summary>A platform base image every host carries: what templates of that name boot from.</summary>
/// <param name="Name">The template name (e.g. <c>minimal</c>).</param>
/// <param name="InputHash">The hash of what the image was built from: builds on it are cached by it.</param>
/// <param name="BuiltAt">When the image was built.</param>
/// <param name="SizeBytes">Disk the image takes.</param>
public sealed record BaseImage(string Name, string InputHash, DateTimeOffset BuiltAt, long SizeBytes);

/// <summary>The platform's base images by name (the guest image manifest the hosts share).</summary>
public sealed class BaseImages(IEnumerable<BaseImage> images)
{
    public IReadOnlyDictionary<string, BaseImage> ByName { get; } = images.ToDictionary(image => image.Name, StringComparer.Ordinal);
}
