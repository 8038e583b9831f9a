using System.Runtime.InteropServices;

namespace Wrenn.Linux.FileSystem;

/// <summary>link(2), which .NET does not expose: a second name for a file on the same filesystem, at no cost.</summary>
public static partial class HardLink
{
    /// <summary>Creates <paramref name="link"/> as another name of <paramref name="target"/>; false when the filesystems differ.</summary>
    public static bool TryCreate(string target, string link)
    {
        if (LinkNative(target, link) == 0)
        {
            return true;
        }

        var errno = Marshal.GetLastPInvokeError();
        return errno == 18 // EXDEV: another filesystem
            ? false
            : throw new IOException($"link failed (errno {errno})", errno);
    }

    [LibraryImport("libc", EntryPoint = "link", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int LinkNative(string target, string link);
}
