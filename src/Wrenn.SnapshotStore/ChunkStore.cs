namespace Wrenn.SnapshotStore;

/// <summary>
/// Moves snapshot files (parts) to and from an object store as content-addressed chunks: fixed,
/// aligned windows of a file, each stored once however many snapshots hold it, compressed and
/// checksummed. Windows that are holes or zeros are not stored at all, and come back as holes.
/// </summary>
public sealed class ChunkStore
{
    public const int MinChunkSize = 64 << 10;
    public const int MaxChunkSize = 4 << 20;
    public const int DefaultChunkSize = 1 << 20;

    /// <summary>Chunks read, compressed and sent (or fetched) at once: enough to fill a link, at most 8 × 2 × 4 MiB of buffers.</summary>
    internal const int MaxInFlight = 8;

    private readonly IObjectStore _store;
    private readonly TimeProvider _time;
    private readonly TimeSpan _touchAfter;

    /// <param name="store">Where chunks live.</param>
    /// <param name="time">The clock that ages reused chunks.</param>
    /// <param name="collectionGrace">
    /// The grace <see cref="StoreCollector"/> runs with: an upload refreshes each chunk it reuses that is
    /// older than half of it, so a collection cannot take a chunk an unfinished snapshot relies on.
    /// </param>
    public ChunkStore(IObjectStore store, TimeProvider time, TimeSpan collectionGrace)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(collectionGrace, TimeSpan.Zero);
        _store = store;
        _time = time;
        _touchAfter = collectionGrace / 2;
    }

    /// <summary>
    /// Stores the file at <paramref name="path"/> in windows of <paramref name="chunkSize"/> bytes (a
    /// power of two from <see cref="MinChunkSize"/> to <see cref="MaxChunkSize"/>) and returns the part
    /// that lists them, with what the upload sent. The file must not change meanwhile.
    /// </summary>
    public async Task<(PartManifest Part, TransferStats Stats)> UploadFileAsync(string path, int chunkSize, CancellationToken cancellationToken)
    {
        if (!int.IsPow2(chunkSize) || chunkSize is < MinChunkSize or > MaxChunkSize)
        {
            throw new ArgumentOutOfRangeException(nameof(chunkSize), chunkSize, "a chunk size is a power of two from 64 KiB to 4 MiB");
        }

        using var file = File.OpenHandle(path);
        var upload = new PartUpload(_store, _time, _touchAfter, file, chunkSize);
        return await upload.RunAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Rebuilds <paramref name="part"/> at <paramref name="targetPath"/> (replacing any file there) as a
    /// sparse file, and returns what was fetched. Throws <see cref="SnapshotCorruptException"/> when a
    /// chunk is missing or damaged; then, as on any failure, the target is untouched and no temporary file remains.
    /// </summary>
    public Task<TransferStats> DownloadFileAsync(PartManifest part, string targetPath, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(part);
        ArgumentException.ThrowIfNullOrEmpty(targetPath);
        part.EnsureConsistent();
        return PartDownload.RunAsync(_store, part, targetPath, cancellationToken);
    }

    internal static ParallelOptions InFlight(CancellationToken cancellationToken) =>
        new() { MaxDegreeOfParallelism = MaxInFlight, CancellationToken = cancellationToken };
}
