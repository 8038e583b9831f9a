using System.Buffers;
using Microsoft.Win32.SafeHandles;

namespace Wrenn.SnapshotStore;

/// <summary>
/// One part on its way out of the store, into a temporary sparse file renamed over the target once
/// complete and on disk. Each distinct chunk is fetched once and written wherever the part holds it;
/// zero pages inside chunks are not written, so a memory image takes only the space of its data.
/// </summary>
internal static class PartDownload
{
    private const int PageSize = 4096;

    public static async Task<TransferStats> RunAsync(IObjectStore store, PartManifest part, string targetPath, CancellationToken cancellationToken)
    {
        var temporary = targetPath + ".tmp";
        var fetched = new TransferTally();
        try
        {
            File.Delete(temporary); // left by a download cut short
            using (var stream = OwnerOnlyFiles.Create(temporary))
            {
                var file = stream.SafeFileHandle;
                RandomAccess.SetLength(file, part.Size);
                var copies = part.Chunks.GroupBy(chunk => chunk.Sha256, StringComparer.Ordinal);
                await Parallel.ForEachAsync(copies, ChunkStore.InFlight(cancellationToken), (chunk, token) => FetchAsync(store, file, chunk, fetched, token))
                    .ConfigureAwait(false);
                RandomAccess.FlushToDisk(file);
            }

            File.Move(temporary, targetPath, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }

        return fetched.Of(part.Chunks);
    }

    /// <summary>Fetches one chunk, checks it, and writes it at the offset of each of its <paramref name="copies"/>.</summary>
    private static async ValueTask FetchAsync(IObjectStore store, SafeFileHandle file, IGrouping<string, ChunkRef> copies, TransferTally fetched, CancellationToken cancellationToken)
    {
        var stored = await store.GetAsync(ChunkAddress.Key(copies.Key), cancellationToken).ConfigureAwait(false)
            ?? throw new SnapshotCorruptException("a chunk of the snapshot is missing from the store");
        var length = copies.First().Length;
        var buffer = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            var raw = buffer.AsMemory(0, length);
            ChunkCodec.Unpack(stored, raw.Span, copies.Key);
            foreach (var copy in copies)
            {
                await WriteDataPagesAsync(file, raw, copy.Offset, cancellationToken).ConfigureAwait(false);
            }

            fetched.Add(stored.Length);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Writes the runs of pages of <paramref name="data"/> that are not all zeros, leaving holes under the others.</summary>
    private static async ValueTask WriteDataPagesAsync(SafeFileHandle file, ReadOnlyMemory<byte> data, long offset, CancellationToken cancellationToken)
    {
        var position = 0;
        while (position < data.Length)
        {
            while (position < data.Length && IsZeroPage(data, position))
            {
                position += PageSize;
            }

            var start = position;
            while (position < data.Length && !IsZeroPage(data, position))
            {
                position += PageSize;
            }

            if (position > start)
            {
                var end = Math.Min(position, data.Length);
                await RandomAccess.WriteAsync(file, data[start..end], offset + start, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static bool IsZeroPage(ReadOnlyMemory<byte> data, int position) =>
        !data.Span.Slice(position, Math.Min(PageSize, data.Length - position)).ContainsAnyExcept((byte)0);
}
