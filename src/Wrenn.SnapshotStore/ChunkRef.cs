using System.Text.Json.Serialization;

namespace Wrenn.SnapshotStore;

/// <summary>
/// One chunk of a part: <paramref name="Length"/> bytes of the file at <paramref name="Offset"/>,
/// stored under their SHA-256 as <paramref name="StoredBytes"/> of zstd.
/// </summary>
public sealed record ChunkRef(
    [property: JsonPropertyName("offset")] long Offset,
    [property: JsonPropertyName("length")] int Length,
    [property: JsonPropertyName("sha256")] string Sha256,
    [property: JsonPropertyName("stored_bytes")] int StoredBytes);
