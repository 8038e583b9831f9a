namespace Wrenn.SnapshotStore;

/// <summary>
/// The outcome of one <see cref="StoreCollector.CollectAsync"/>. When <paramref name="UnreadableManifests"/>
/// is not zero nothing was deleted: a manifest the collector cannot read may hold on to anything.
/// </summary>
public sealed record CollectionStats(int ManifestsKept, int ManifestsDeleted, int UnreadableManifests, int ChunksDeleted, long BytesFreed);
