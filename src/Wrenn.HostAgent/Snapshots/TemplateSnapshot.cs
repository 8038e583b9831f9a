namespace Wrenn.HostAgent.Snapshots;

/// <summary>A restorable template: a booted, warmed-up guest frozen with its full memory and disk.</summary>
public sealed record TemplateSnapshot(string Name, SnapshotFiles Files, SnapshotManifest Manifest);
