using Wrenn.Linux.FileSystem;

namespace Wrenn.HostAgent.Snapshots;

/// <summary>Bytes a directory really occupies: allocated, not apparent, sizes (RAM files and overlays are sparse).</summary>
public static class StoredSize
{
    public static long Of(string directory) =>
        Directory.Exists(directory)
            ? Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories).Sum(FileStat.AllocatedBytes)
            : 0;
}
