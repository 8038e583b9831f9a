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

    /// <summary>st_size of <paramref name="path"/> itself (a directory's own size, a symlink's text length), 0 when it cannot be stat'ed.</summary>
    public static long OwnSize(string path)
    {
        var buffer = stackalloc byte[StatBytes];
        // SAFETY: as in Owner: a 256-byte stack buffer, larger than struct stat. st_size is at 48 on x86-64.
        return LStat(path, buffer) == 0 ? *(long*)(buffer + 48) : 0;
    }

    /// <summary>Bytes allocated to <paramref name="path"/> (st_blocks × 512; holes of sparse files do not count), 0 when it cannot be stat'ed.</summary>
    public static long AllocatedBytes(string path)
    {
        var buffer = stackalloc byte[StatBytes];
        // SAFETY: as in Owner: a 256-byte stack buffer, larger than struct stat. st_blocks is at 64 on x86-64.
        return LStat(path, buffer) == 0 ? *(long*)(buffer + 64) * 512 : 0;
    }

    /// <summary>
    /// What changes whenever <paramref name="path"/>'s content does (following symlinks): its
    /// device, inode, size and change time; null when it cannot be stat'ed.
    /// </summary>
    public static FileVersion? Version(string path)
    {
        var buffer = stackalloc byte[StatBytes];
        // SAFETY: as in Owner: a 256-byte stack buffer, larger than struct stat. On x86-64 st_dev is
        // at 0, st_ino at 8, st_size at 48 and st_ctim (seconds, nanoseconds) at 104.
        if (Stat(path, buffer) != 0)
        {
            return null;
        }

        return new FileVersion(*(ulong*)buffer, *(ulong*)(buffer + 8), *(long*)(buffer + 48), *(long*)(buffer + 104), *(long*)(buffer + 112));
    }

    [LibraryImport("libc", EntryPoint = "stat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Stat(string path, byte* buffer);

    [LibraryImport("libc", EntryPoint = "lstat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int LStat(string path, byte* buffer);
}

/// <summary>A file's identity and last change (stat's st_dev, st_ino, st_size, st_ctim): equal while the file is unchanged.</summary>
public readonly record struct FileVersion(ulong Device, ulong Inode, long Size, long ChangedSeconds, long ChangedNanoseconds);
