using System.Buffers;
using System.Collections.Concurrent;
using Microsoft.Win32.SafeHandles;
using Wrenn.Linux.FileSystem;

namespace Wrenn.SnapshotStore;

/// <summary>
/// One file on its way into the store. Only windows that hold data are read (the file's holes are
/// skipped by SEEK_DATA), all-zero windows are dropped, and each remaining window is stored unless
/// the store, or an earlier window of this file, already has the same bytes.
/// </summary>
internal sealed class PartUpload(IObjectStore store, TimeProvider time, TimeSpan touchAfter, SafeFileHandle file, int chunkSize)
{
    private readonly long _length = RandomAccess.GetLength(file);
    private readonly ConcurrentBag<ChunkRef> _chunks = [];
    private readonly TransferTally _sent = new();

    /// <summary>One store (or reuse) per distinct hash in this file: the stored size of each, shared by every window with those bytes.</summary>
    private readonly ConcurrentDictionary<string, Lazy<Task<int>>> _stored = new(StringComparer.Ordinal);

    public async Task<(PartManifest Part, TransferStats Stats)> RunAsync(CancellationToken cancellationToken)
    {
        await Parallel.ForEachAsync(DataWindows(), ChunkStore.InFlight(cancellationToken), AddWindowAsync).ConfigureAwait(false);
        var chunks = _chunks.OrderBy(chunk => chunk.Offset).ToList();
        return (new PartManifest(_length, chunks), _sent.Of(chunks));
    }

    /// <summary>The offsets of the windows that overlap data, in order.</summary>
    private IEnumerable<long> DataWindows()
    {
        var next = 0L;
        foreach (var (start, end) in SparseFile.DataRanges(file, _length))
        {
            for (var window = Math.Max(next, start / chunkSize * chunkSize); window < end; window += chunkSize)
            {
                yield return window;
                next = window + chunkSize;
            }
        }
    }

    private async ValueTask AddWindowAsync(long offset, CancellationToken cancellationToken)
    {
        var length = (int)Math.Min(chunkSize, _length - offset);
        var buffer = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            var raw = buffer.AsMemory(0, length);
            await ReadExactlyAsync(raw, offset, cancellationToken).ConfigureAwait(false);
            if (!raw.Span.ContainsAnyExcept((byte)0))
            {
                return;
            }

            var sha256 = ChunkCodec.Address(raw.Span);
            var stored = _stored.GetOrAdd(sha256, hash => new Lazy<Task<int>>(() => StoreAsync(hash, raw, cancellationToken)));
            var storedBytes = await stored.Value.ConfigureAwait(false);
            _chunks.Add(new ChunkRef(offset, length, sha256, storedBytes));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// Makes sure the store holds the chunk <paramref name="sha256"/>: an existing one is reused, and
    /// refreshed when it has aged past half the collection grace, so a collection running before this
    /// snapshot's manifest is written leaves it alone; a new one is compressed and put.
    /// </summary>
    private async Task<int> StoreAsync(string sha256, ReadOnlyMemory<byte> raw, CancellationToken cancellationToken)
    {
        var key = ChunkAddress.Key(sha256);
        if (await store.StatAsync(key, cancellationToken).ConfigureAwait(false) is { } existing)
        {
            if (time.GetUtcNow() - existing.LastModified > touchAfter)
            {
                await store.TouchAsync(key, cancellationToken).ConfigureAwait(false);
            }

            return checked((int)existing.Size);
        }

        var compressed = ArrayPool<byte>.Shared.Rent(ChunkCodec.MaxCompressedLength(raw.Length));
        try
        {
            var length = ChunkCodec.Compress(raw.Span, compressed);
            await store.PutAsync(key, compressed.AsMemory(0, length), cancellationToken).ConfigureAwait(false);
            _sent.Add(length);
            return length;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(compressed);
        }
    }

    private async ValueTask ReadExactlyAsync(Memory<byte> buffer, long offset, CancellationToken cancellationToken)
    {
        while (!buffer.IsEmpty)
        {
            var read = await RandomAccess.ReadAsync(file, buffer, offset, cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                throw new IOException("the file shrank while it was being stored");
            }

            buffer = buffer[read..];
            offset += read;
        }
    }
}
