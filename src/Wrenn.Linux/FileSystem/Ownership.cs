using System.Runtime.InteropServices;

namespace Wrenn.Linux.FileSystem;

/// <summary>lchown(2), which .NET does not expose: the guest agent (root) gives what it creates to the capsule's default user.</summary>
public static partial class Ownership
{
    /// <summary>Makes <paramref name="uid"/>:<paramref name="gid"/> the owner of <paramref name="path"/> (a symlink itself, not its target).</summary>
    public static void Change(string path, int uid, int gid)
    {
        // Safe: a UTF-8 path marshalled by the generator and two integers; nothing is kept.
        if (ChangeNative(path, uid, gid) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw new IOException($"lchown failed (errno {errno})", errno);
        }
    }

    [LibraryImport("libc", EntryPoint = "lchown", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int ChangeNative(string path, int uid, int gid);
}
