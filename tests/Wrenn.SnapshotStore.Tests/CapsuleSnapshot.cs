namespace Wrenn.SnapshotStore.Tests;

/// <summary>A manifest as a caller would write one: the shared shape and fields of its own.</summary>
internal sealed record CapsuleSnapshot(
    IReadOnlyDictionary<string, PartManifest> Parts, IReadOnlyList<string> References, string CapsuleId, int Generation) : IStoredManifest;
