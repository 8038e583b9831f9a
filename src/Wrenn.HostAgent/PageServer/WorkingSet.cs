using System.Buffers.Binary;

namespace Wrenn.HostAgent.PageServer;

/// <summary>
/// The pages a capsule faulted in after its last resume, in first-touch order (uint32 LE page
/// numbers): saved with the next snapshot, prefetched first at the next resume.
/// </summary>
public static class WorkingSet
{
    /// <summary>Writes <paramref name="pages"/> to <paramref name="path"/> (temporary file, then rename).</summary>
    public static void Save(string path, IReadOnlyCollection<uint> pages)
    {
        ArgumentNullException.ThrowIfNull(pages);
        var bytes = new byte[pages.Count * 4];
        var offset = 0;
        foreach (var page in pages)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(offset), page);
            offset += 4;
        }

        File.WriteAllBytes(path + ".tmp", bytes);
        File.Move(path + ".tmp", path, overwrite: true);
    }

    /// <summary>The recorded pages, or none when there is no (readable) record: it is only a hint.</summary>
    public static uint[] Load(string path)
    {
        try
        {
            var bytes = File.ReadAllBytes(path);
            var pages = new uint[bytes.Length / 4];
            for (var i = 0; i < pages.Length; i++)
            {
                pages[i] = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(i * 4));
            }

            return pages;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }
}
