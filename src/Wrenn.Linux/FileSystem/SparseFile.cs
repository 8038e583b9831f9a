using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Wrenn.Linux.FileSystem;

/// <summary>
/// The written ranges of a sparse file (lseek SEEK_DATA / SEEK_HOLE): Firecracker's diff
/// snapshots write only dirty pages and leave holes over the rest.
/// </summary>
public static partial class SparseFile
{
    private const int SEEK_DATA = 3;
    private const int SEEK_HOLE = 4;

    /// <summary>The [start, end) byte ranges that hold data, in order.</summary>
    public static IEnumerable<(long Start, long End)> DataRanges(SafeFileHandle file, long length)
    {
        ArgumentNullException.ThrowIfNull(file);
        var fd = (int)file.DangerousGetHandle();
        var position = 0L;
        while (position < length)
        {
            var start = Lseek(fd, position, SEEK_DATA);
            if (start < 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                if (errno == 6) // ENXIO: no data after position
                {
                    yield break;
                }

                throw new IOException($"lseek SEEK_DATA failed (errno {errno})");
            }

            var end = Lseek(fd, start, SEEK_HOLE);
            if (end < 0)
            {
                throw new IOException($"lseek SEEK_HOLE failed (errno {Marshal.GetLastPInvokeError()})");
            }

            yield return (start, Math.Min(end, length));
            position = end;
        }
    }

    [LibraryImport("libc", EntryPoint = "lseek", SetLastError = true)]
    private static partial long Lseek(int fd, long offset, int whence);
}
