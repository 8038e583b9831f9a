namespace Wrenn.HostAgent.Images;

/// <summary>A template's read-only root filesystem image and the hash of what it was built from.</summary>
public sealed record TemplateImage(string Name, string Path, string InputHash);
