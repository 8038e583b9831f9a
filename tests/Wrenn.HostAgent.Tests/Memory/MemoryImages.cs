using Wrenn.HostAgent.Memory;

namespace Wrenn.HostAgent.Tests.Memory;

/// <summary>Guest memory images for tests: deterministic page contents, with zero pages in between, and the files VMMs write.</summary>
internal sealed class MemoryImages : IDisposable
{
    public const int PageSize = 4096;

    public MemoryImages() => Directory.CreateDirectory(Root);

    public string Root { get; } = Path.Combine(Path.GetTempPath(), "wrenn-memory-" + Guid.NewGuid().ToString("N"));

    /// <summary>An image of <paramref name="pages"/> pages where every third page is zero and the rest carry <paramref name="seed"/>.</summary>
    public static byte[] Image(int pages, int seed)
    {
        var image = new byte[pages * PageSize];
        for (var page = 0; page < pages; page++)
        {
            if (page % 3 != 1)
            {
                new Random(seed * 100_003 + page).NextBytes(image.AsSpan(page * PageSize, PageSize));
            }
        }

        return image;
    }

    public string File(string name) => Path.Combine(Root, name);

    /// <summary>A base layer chain built from <paramref name="image"/>, written as a VMM's full memory file first.</summary>
    public MemoryChain Base(byte[] image, string name = "base")
    {
        var raw = File(name + ".raw");
        System.IO.File.WriteAllBytes(raw, image);
        return MemoryLayers.WriteBase(raw, File(name + ".wmem"));
    }

    /// <summary>
    /// Writes the pages of <paramref name="image"/> listed in <paramref name="dirty"/> into a sparse
    /// file (holes elsewhere), as Firecracker writes a diff snapshot, and appends it to <paramref name="below"/>.
    /// </summary>
    public MemoryChain Diff(MemoryChain below, byte[] image, IEnumerable<int> dirty, string name)
    {
        var raw = File(name + ".diff");
        using (var file = new FileStream(raw, FileMode.Create, FileAccess.Write))
        {
            file.SetLength(image.Length);
            foreach (var page in dirty.Order())
            {
                file.Position = (long)page * PageSize;
                file.Write(image, page * PageSize, PageSize);
            }
        }

        return MemoryLayers.AppendDiff(below, raw, File(name + ".wmem"));
    }

    public void Dispose()
    {
        if (Directory.Exists(Root))
        {
            Directory.Delete(Root, recursive: true);
        }
    }
}
