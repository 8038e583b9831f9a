using System.Buffers.Binary;
using System.Globalization;
using Microsoft.Win32.SafeHandles;

namespace Wrenn.HostAgent.Vmm.Qemu;

/// <summary>
/// A QEMU process's guest RAM when it is a private (copy-on-write) mapping of a template's memory
/// file: the pages the guest changed are exactly the anonymous pages of that mapping, which
/// /proc/PID/pagemap tells apart from pages still shared with the file. Pausing saves just those
/// pages (a memory diff); resuming maps the template again and writes them back through
/// /proc/PID/mem before the guest runs. Unchanged pages keep loading lazily from the page cache,
/// shared by every capsule of the template.
/// </summary>
internal static class GuestRam
{
    public const int PageSize = 4096;
    private const int EntriesPerRead = 64 * 1024;
    private const ulong Present = 1UL << 63;
    private const ulong Swapped = 1UL << 62;
    private const ulong FileOrSharedAnon = 1UL << 61;

    /// <summary>
    /// Writes the changed pages to <paramref name="indexPath"/> (page numbers) and
    /// <paramref name="pagesPath"/> (a sparse file the size of RAM holding each page at its own
    /// offset: a page that changes again lands where it was, so a snapshot store can tell the
    /// unchanged stretches of two generations apart); returns their count.
    /// </summary>
    public static int DumpChanges(int pid, string memoryPath, long memoryBytes, string indexPath, string pagesPath)
    {
        var start = MappingStart(pid, memoryPath, memoryBytes);
        var changed = ChangedPages(pid, start, memoryBytes / PageSize);
        using var memory = File.OpenHandle($"/proc/{pid}/mem", FileMode.Open, FileAccess.Read);
        using (var pages = File.OpenHandle(pagesPath, FileMode.CreateNew, FileAccess.Write))
        {
            RandomAccess.SetLength(pages, memoryBytes);
            var buffer = new byte[256 * PageSize];
            foreach (var (first, count) in Runs(changed))
            {
                for (var done = 0; done < count;)
                {
                    var chunk = Math.Min(count - done, buffer.Length / PageSize);
                    var offset = (long)(first + done) * PageSize;
                    ReadExactly(memory, buffer.AsSpan(0, chunk * PageSize), start + offset);
                    RandomAccess.Write(pages, buffer.AsSpan(0, chunk * PageSize), offset);
                    done += chunk;
                }
            }

            RandomAccess.FlushToDisk(pages);
        }

        var index = new byte[changed.Count * sizeof(uint)];
        for (var i = 0; i < changed.Count; i++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(index.AsSpan(i * sizeof(uint)), changed[i]);
        }

        using (var file = new FileStream(indexPath, FileMode.CreateNew, FileAccess.Write))
        {
            file.Write(index);
            file.Flush(flushToDisk: true);
        }

        return changed.Count;
    }

    /// <summary>Writes saved pages back into the (not yet running) guest's RAM.</summary>
    public static void RestoreChanges(int pid, string memoryPath, long memoryBytes, string indexPath, string pagesPath)
    {
        var start = MappingStart(pid, memoryPath, memoryBytes);
        using var memory = File.OpenHandle($"/proc/{pid}/mem", FileMode.Open, FileAccess.Write);
        CopyChanges(indexPath, pagesPath, memoryBytes, (page, offset) => RandomAccess.Write(memory, page, start + offset));
    }

    /// <summary>Applies saved pages to a full memory file (a new template made from a capsule).</summary>
    public static void ApplyChanges(string memoryFile, string indexPath, string pagesPath, long memoryBytes)
    {
        using var target = File.OpenHandle(memoryFile, FileMode.Open, FileAccess.Write);
        CopyChanges(indexPath, pagesPath, memoryBytes, (pages, offset) => RandomAccess.Write(target, pages, offset));
    }

    /// <summary>
    /// Hands each run of saved pages to <paramref name="write"/> with its offset in guest RAM. The
    /// pages file is read in either layout: at the pages' own offsets, or packed in index order
    /// (snapshots of format 1; the two coincide when every page changed).
    /// </summary>
    private static void CopyChanges(string indexPath, string pagesPath, long memoryBytes, Action<ReadOnlySpan<byte>, long> write)
    {
        var changed = ReadIndex(indexPath, memoryBytes / PageSize);
        using var pages = File.OpenHandle(pagesPath, FileMode.Open, FileAccess.Read);
        var packed = RandomAccess.GetLength(pages) != memoryBytes;
        if (packed && RandomAccess.GetLength(pages) != (long)changed.Count * PageSize)
        {
            throw new InvalidDataException("memory pages are truncated");
        }

        var buffer = new byte[256 * PageSize];
        long packedOffset = 0;
        foreach (var (first, count) in Runs(changed))
        {
            for (var done = 0; done < count;)
            {
                var chunk = Math.Min(count - done, buffer.Length / PageSize);
                var offset = (long)(first + done) * PageSize;
                var span = buffer.AsSpan(0, chunk * PageSize);
                ReadExactly(pages, span, packed ? packedOffset : offset);
                write(span, offset);
                packedOffset += span.Length;
                done += chunk;
            }
        }
    }

    private static List<uint> ReadIndex(string indexPath, long pageCount)
    {
        var bytes = File.ReadAllBytes(indexPath);
        if (bytes.Length % sizeof(uint) != 0)
        {
            throw new InvalidDataException("memory index is truncated");
        }

        var pages = new List<uint>(bytes.Length / sizeof(uint));
        for (var offset = 0; offset < bytes.Length; offset += sizeof(uint))
        {
            var number = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(offset));
            if (number >= pageCount || (pages.Count > 0 && number <= pages[^1]))
            {
                throw new InvalidDataException("memory index is out of order or out of range");
            }

            pages.Add(number);
        }

        return pages;
    }

    private static List<uint> ChangedPages(int pid, long start, long pageCount)
    {
        var changed = new List<uint>();
        using var pagemap = File.OpenHandle($"/proc/{pid}/pagemap", FileMode.Open, FileAccess.Read);
        var entries = new byte[EntriesPerRead * sizeof(ulong)];
        for (long page = 0; page < pageCount; page += EntriesPerRead)
        {
            var count = (int)Math.Min(EntriesPerRead, pageCount - page);
            var span = entries.AsSpan(0, count * sizeof(ulong));
            ReadExactly(pagemap, span, ((start / PageSize) + page) * sizeof(ulong));
            for (var i = 0; i < count; i++)
            {
                var entry = BinaryPrimitives.ReadUInt64LittleEndian(span[(i * sizeof(ulong))..]);
                // Anonymous (copy-on-write broken) pages, present or swapped out, hold the changes.
                if ((entry & (Present | Swapped)) != 0 && (entry & FileOrSharedAnon) == 0)
                {
                    changed.Add((uint)(page + i));
                }
            }
        }

        return changed;
    }

    private static IEnumerable<(uint First, int Count)> Runs(List<uint> pages)
    {
        for (var i = 0; i < pages.Count;)
        {
            var j = i + 1;
            while (j < pages.Count && pages[j] == pages[j - 1] + 1)
            {
                j++;
            }

            yield return (pages[i], j - i);
            i = j;
        }
    }

    /// <summary>The virtual address where QEMU mapped <paramref name="memoryPath"/> as guest RAM.</summary>
    private static long MappingStart(int pid, string memoryPath, long memoryBytes)
    {
        var wanted = Path.GetFullPath(memoryPath);
        foreach (var line in File.ReadLines($"/proc/{pid}/maps"))
        {
            // "start-end perms offset dev inode   path"
            var fields = line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length == 6 && fields[5].Trim() == wanted)
            {
                var range = fields[0].Split('-');
                var start = long.Parse(range[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                var end = long.Parse(range[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                if (end - start == memoryBytes)
                {
                    return start;
                }
            }
        }

        throw new VmmException("guest RAM mapping not found in the VMM process");
    }

    private static void ReadExactly(SafeFileHandle handle, Span<byte> buffer, long offset)
    {
        while (!buffer.IsEmpty)
        {
            var read = RandomAccess.Read(handle, buffer, offset);
            if (read <= 0)
            {
                throw new IOException("short read from the VMM process");
            }

            buffer = buffer[read..];
            offset += read;
        }
    }
}
