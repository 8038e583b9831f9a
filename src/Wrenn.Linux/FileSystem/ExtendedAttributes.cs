using System.Runtime.InteropServices;
using System.Text;

namespace Wrenn.Linux.FileSystem;

/// <summary>
/// llistxattr(2), lgetxattr(2) and lsetxattr(2), which .NET does not expose: the guest agent keeps
/// user-defined file metadata as extended attributes. A symlink's own attributes, never its target's.
/// </summary>
public static partial class ExtendedAttributes
{
    /// <summary>The names of <paramref name="path"/>'s extended attributes; none where the file system keeps none.</summary>
    public static IReadOnlyList<string> Names(string path)
    {
        while (true)
        {
            // SAFETY: a null buffer with size 0 only asks for the size the list needs.
            var size = ListNative(path, null, 0);
            if (size < 0)
            {
                return Marshal.GetLastPInvokeError() == Errno.EOPNOTSUPP ? [] : throw Failure("llistxattr");
            }

            if (size == 0)
            {
                return [];
            }

            var buffer = new byte[size];
            // SAFETY: the array is pinned for the call and the kernel writes at most buffer.Length bytes.
            var listed = ListNative(path, buffer, (nuint)buffer.Length);
            if (listed >= 0)
            {
                return Encoding.UTF8.GetString(buffer, 0, (int)listed).Split('\0', StringSplitOptions.RemoveEmptyEntries);
            }

            if (Marshal.GetLastPInvokeError() != Errno.ERANGE)
            {
                throw Failure("llistxattr");
            }

            // An attribute was added between the two calls: ask again.
        }
    }

    /// <summary>The value of <paramref name="path"/>'s attribute <paramref name="name"/>; null when it has none of that name.</summary>
    public static byte[]? Get(string path, string name)
    {
        while (true)
        {
            // SAFETY: a null buffer with size 0 only asks for the value's size.
            var size = GetNative(path, name, null, 0);
            if (size < 0)
            {
                return Marshal.GetLastPInvokeError() is Errno.ENODATA or Errno.EOPNOTSUPP ? null : throw Failure("lgetxattr");
            }

            var buffer = new byte[size];
            // SAFETY: the array is pinned for the call and the kernel writes at most buffer.Length bytes.
            var read = GetNative(path, name, buffer, (nuint)buffer.Length);
            if (read >= 0)
            {
                return read == buffer.Length ? buffer : buffer[..(int)read];
            }

            if (Marshal.GetLastPInvokeError() != Errno.ERANGE)
            {
                throw Failure("lgetxattr");
            }
        }
    }

    /// <summary>Sets <paramref name="path"/>'s attribute <paramref name="name"/> to <paramref name="value"/>, creating or replacing it.</summary>
    public static void Set(string path, string name, byte[] value)
    {
        ArgumentNullException.ThrowIfNull(value);
        // SAFETY: the array is pinned for the call and the kernel reads exactly value.Length bytes.
        if (SetNative(path, name, value, (nuint)value.Length, 0) != 0)
        {
            throw Failure("lsetxattr");
        }
    }

    private static IOException Failure(string call)
    {
        var errno = Marshal.GetLastPInvokeError();
        return new IOException($"{call} failed (errno {errno})", errno);
    }

    [LibraryImport("libc", EntryPoint = "llistxattr", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint ListNative(string path, byte[]? list, nuint size);

    [LibraryImport("libc", EntryPoint = "lgetxattr", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint GetNative(string path, string name, byte[]? value, nuint size);

    [LibraryImport("libc", EntryPoint = "lsetxattr", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SetNative(string path, string name, byte[] value, nuint size, int flags);
}
