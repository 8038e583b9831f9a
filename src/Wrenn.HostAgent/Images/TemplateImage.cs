namespace Wrenn.HostAgent.Images;

/// <summary>
/// A template's read-only root filesystem image and the hash of what it was built from. An image
/// may come with a recipe (and its healthcheck) run in the booted image before its snapshot is
/// taken, so a service runs in every capsule of the template; the paths are null for a plain image.
/// </summary>
public sealed record TemplateImage(string Name, string Path, string InputHash, string? RecipePath = null, string? HealthcheckPath = null);
