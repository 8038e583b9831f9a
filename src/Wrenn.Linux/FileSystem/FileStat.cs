using System.Runtime.InteropServices;

namespace Wrenn.Linux.FileSystem;

/// <summary>
/// Ownership and allocation of a path, not following a final symlink: .NET exposes neither the
/// owner ids nor the allocated size.
/// </summary>
public static unsafe partial class FileStat
{
    // struct stat on x86-64 is 144 bytes with st_uid at 28 and st_gid at 32.
    private const int StatBytes = 256;

    /// <summary>(uid, gid) of <paramref name="path"/>, or null when it cannot be stat'ed.</summary>
    public static (uint Uid, uint Gid)? Owner(string path)
    {
        var buffer = stackalloc byte[StatBytes];
        // SAFETY: a 256-byte stack buffer, larger than struct stat; lstat writes only that struct.
        if (LStat(path, buffer) != 0)
        {
            return null;
        }

        return (*(uint*)(buffer + 28), *(uint*)(buffer + 32));
    }

    /// <summary>Bytes allocated to <paramref name="path"/> (st_blocks × 512; holes of sparse files do not count), 0 when it cannot be stat'ed.</summary>
    public static long AllocatedBytes(string path)
    {
        var buffer = stackalloc byte[StatBytes];
        // SAFETY: as in Owner: a 256-byte stack buffer, larger than struct stat. st_blocks is at 64 on x86-64.
        return LStat(path, buffer) == 0 ? *(long*)(buffer + 64) * 512 : 0;
    }

    [LibraryImport("libc", EntryPoint = "lstat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int LStat(string path, byte* buffer);
}
