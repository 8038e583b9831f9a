namespace Wrenn.SnapshotStore;

/// <summary>
/// What moving parts to or from the store cost. <see cref="Chunks"/> and <see cref="RawBytes"/> describe
/// the data (zero windows excluded); <see cref="ChunksTransferred"/> and <see cref="BytesTransferred"/>
/// (compressed) what crossed the wire: on upload the chunks the store did not have yet, on download
/// every distinct chunk fetched. Their ratio is what deduplication saved.
/// </summary>
public readonly record struct TransferStats(int Chunks, int ChunksTransferred, long RawBytes, long BytesTransferred)
{
    public static TransferStats operator +(TransferStats left, TransferStats right) => left.Add(right);

    /// <summary>The totals of two transfers, e.g. the parts of one snapshot.</summary>
    public TransferStats Add(TransferStats other) => new(
        Chunks + other.Chunks, ChunksTransferred + other.ChunksTransferred, RawBytes + other.RawBytes, BytesTransferred + other.BytesTransferred);
}
