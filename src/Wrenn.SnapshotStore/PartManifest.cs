using System.Text.Json.Serialization;

namespace Wrenn.SnapshotStore;

/// <summary>
/// One file of a snapshot (a memory image, a disk, device state) as stored: its size and its
/// chunks in ascending offset order. Bytes no chunk covers are zeros (holes or zero windows).
/// </summary>
public sealed record PartManifest(
    [property: JsonPropertyName("size")] long Size,
    [property: JsonPropertyName("chunks")] IReadOnlyList<ChunkRef> Chunks)
{
    /// <summary>
    /// Throws <see cref="SnapshotCorruptException"/> unless the chunks can describe this file: inside
    /// it, in order, not overlapping, of valid hashes, equal hashes with equal lengths. A manifest comes
    /// from the store, which any host (or a damaged disk) may have written.
    /// </summary>
    internal void EnsureConsistent()
    {
        if (Size < 0 || Chunks is null)
        {
            throw new SnapshotCorruptException("a snapshot part has no valid size or chunk list");
        }

        var end = 0L;
        var lengths = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var chunk in Chunks)
        {
            if (chunk is null || chunk.Offset < end || chunk.Length is <= 0 or > ChunkStore.MaxChunkSize || chunk.Offset > Size - chunk.Length
                || !ChunkAddress.IsSha256(chunk.Sha256) || lengths.GetValueOrDefault(chunk.Sha256, chunk.Length) != chunk.Length)
            {
                throw new SnapshotCorruptException("a snapshot part lists a chunk that cannot belong to it");
            }

            lengths[chunk.Sha256] = chunk.Length;
            end = chunk.Offset + chunk.Length;
        }
    }
}
