namespace Wrenn.SnapshotStore;

/// <summary>Counts the chunks that crossed the wire while up to <see cref="ChunkStore.MaxInFlight"/> workers move them.</summary>
internal sealed class TransferTally
{
    private int _chunks;
    private long _bytes;

    /// <summary>Records one chunk of <paramref name="storedBytes"/> compressed bytes sent or fetched.</summary>
    public void Add(long storedBytes)
    {
        Interlocked.Increment(ref _chunks);
        Interlocked.Add(ref _bytes, storedBytes);
    }

    /// <summary>The totals for a part made of <paramref name="chunks"/>.</summary>
    public TransferStats Of(IReadOnlyCollection<ChunkRef> chunks) =>
        new(chunks.Count, Volatile.Read(ref _chunks), chunks.Sum(chunk => (long)chunk.Length), Interlocked.Read(ref _bytes));
}
