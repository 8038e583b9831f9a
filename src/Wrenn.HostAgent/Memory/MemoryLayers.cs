using Microsoft.Win32.SafeHandles;
using Wrenn.Linux.FileSystem;

using Wrenn.HostAgent.Snapshots;

namespace Wrenn.HostAgent.Memory;

/// <summary>
/// Turns the memory files a VMM writes into layers (format in docs/memory-layers.md): a full
/// memory image becomes a base layer of its non-zero pages; a sparse diff (dirty pages written,
/// holes elsewhere) becomes a diff layer on an existing chain, in which a dirty page that is now
/// all zeros is recorded as a zero page instead of being mistaken for "unchanged".
/// </summary>
public static class MemoryLayers
{
    private const int PageSize = LayerHeader.PageSize;
    private const int ChunkPages = 256;

    /// <summary>Writes the non-zero pages of a full memory image as a base layer at <paramref name="layerPath"/>.</summary>
    public static MemoryChain WriteBase(string memoryImage, string layerPath)
    {
        using var image = File.OpenHandle(memoryImage, FileMode.Open, FileAccess.Read);
        var memoryBytes = RandomAccess.GetLength(image);
        RequirePageMultiple(memoryBytes);
        using var writer = new LayerWriter(layerPath, generation: 0, memoryBytes, Guid.Empty);
        var buffer = new byte[ChunkPages * PageSize];
        for (var offset = 0L; offset < memoryBytes; offset += buffer.Length)
        {
            var length = (int)Math.Min(buffer.Length, memoryBytes - offset);
            ReadExactly(image, buffer.AsSpan(0, length), offset);
            for (var page = 0; page < length / PageSize; page++)
            {
                var contents = buffer.AsSpan(page * PageSize, PageSize);
                if (contents.IndexOfAnyExcept((byte)0) >= 0)
                {
                    writer.Add((uint)((offset / PageSize) + page), contents);
                }
            }
        }

        var header = writer.Commit();
        return new MemoryChain(memoryBytes, [new MemoryChainLayer(layerPath, header.LayerId)]);
    }

    /// <summary>
    /// Adds the dirty pages of <paramref name="sparseDiff"/> on top of <paramref name="below"/> as a
    /// layer at <paramref name="layerPath"/>; when the chain would grow past
    /// <see cref="MemoryChain.MaxLayers"/>, writes one merged base layer there instead.
    /// </summary>
    public static MemoryChain AppendDiff(MemoryChain below, string sparseDiff, string layerPath)
    {
        ArgumentNullException.ThrowIfNull(below);
        using var diff = File.OpenHandle(sparseDiff, FileMode.Open, FileAccess.Read);
        if (RandomAccess.GetLength(diff) != below.MemoryBytes)
        {
            throw new SnapshotException("diff memory file does not match the guest memory size");
        }

        using var map = below.Open();
        var dirty = DirtyPages(diff, below.MemoryBytes);
        return below.Layers.Count + 1 > MemoryChain.MaxLayers
            ? WriteMerged(map, diff, dirty, layerPath)
            : WriteDiff(below, map, diff, dirty, layerPath);
    }

    private static MemoryChain WriteDiff(MemoryChain below, PageMap map, SafeFileHandle diff, IEnumerable<(long Start, long End)> dirty, string layerPath)
    {
        var parent = below.Layers[^1].Id;
        using var writer = new LayerWriter(layerPath, below.Layers.Count, below.MemoryBytes, parent);
        var page = new byte[PageSize];
        foreach (var (start, end) in dirty)
        {
            for (var number = start; number < end; number++)
            {
                ReadExactly(diff, page, number * PageSize);
                if (page.AsSpan().IndexOfAnyExcept((byte)0) >= 0)
                {
                    writer.Add((uint)number, page);
                }
                else if (!map.IsZero(number))
                {
                    // The write the reference implementation loses: a page that was non-zero below
                    // and has been cleared must read as zeros after restore.
                    writer.AddZero((uint)number);
                }
            }
        }

        var header = writer.Commit();
        return below with { Layers = [.. below.Layers, new MemoryChainLayer(layerPath, header.LayerId)] };
    }

    private static MemoryChain WriteMerged(PageMap map, SafeFileHandle diff, IEnumerable<(long Start, long End)> dirty, string layerPath)
    {
        using var writer = new LayerWriter(layerPath, generation: 0, map.MemoryBytes, Guid.Empty);
        var page = new byte[PageSize];
        var next = 0L;
        foreach (var (start, end) in dirty.Append((map.Pages, map.Pages)))
        {
            for (; next < start; next++)
            {
                if (!map.IsZero(next))
                {
                    writer.Add((uint)next, map.Data(next));
                }
            }

            for (; next < end; next++)
            {
                ReadExactly(diff, page, next * PageSize);
                if (page.AsSpan().IndexOfAnyExcept((byte)0) >= 0)
                {
                    writer.Add((uint)next, page);
                }
            }
        }

        var header = writer.Commit();
        return new MemoryChain(map.MemoryBytes, [new MemoryChainLayer(layerPath, header.LayerId)]);
    }

    /// <summary>The dirty pages of a sparse diff as [first, end) page ranges (a partly written page counts).</summary>
    private static List<(long Start, long End)> DirtyPages(SafeFileHandle diff, long memoryBytes)
    {
        var pages = new List<(long Start, long End)>();
        foreach (var (start, end) in SparseFile.DataRanges(diff, memoryBytes))
        {
            var (first, last) = (start / PageSize, (end + PageSize - 1) / PageSize);
            if (pages.Count > 0 && pages[^1].End >= first)
            {
                pages[^1] = (pages[^1].Start, Math.Max(pages[^1].End, last));
            }
            else
            {
                pages.Add((first, last));
            }
        }

        return pages;
    }

    private static void ReadExactly(SafeFileHandle file, Span<byte> buffer, long offset)
    {
        var done = 0;
        while (done < buffer.Length)
        {
            var read = RandomAccess.Read(file, buffer[done..], offset + done);
            if (read == 0)
            {
                buffer[done..].Clear();
                return;
            }

            done += read;
        }
    }

    private static void RequirePageMultiple(long memoryBytes)
    {
        if (memoryBytes <= 0 || memoryBytes % PageSize != 0)
        {
            throw new SnapshotException("memory image size is not a whole number of pages");
        }
    }
}
