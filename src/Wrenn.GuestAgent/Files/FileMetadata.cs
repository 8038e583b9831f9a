using System.Text;
using Google.Protobuf.Collections;
using Wrenn.Agent.Protocol;
using Wrenn.Linux.FileSystem;

namespace Wrenn.GuestAgent.Files;

/// <summary>
/// A file's user-defined metadata: its extended attributes in E2B's namespace, <c>user.e2b.&lt;key&gt;</c>,
/// where E2B's daemon keeps them, so that programs in the guest find them as they would there.
/// </summary>
internal static class FileMetadata
{
    private const string Namespace = "user.e2b.";

    // XATTR_NAME_MAX (255) less the namespace; and what one inode's attributes can hold on ext4.
    private const int MaxKeyLength = 255 - 9;
    private const int MaxTotalBytes = 4096;

    /// <summary>Adds <paramref name="path"/>'s metadata to <paramref name="into"/>; none when it has none or went away.</summary>
    public static void ReadInto(string path, MapField<string, string> into)
    {
        try
        {
            foreach (var name in ExtendedAttributes.Names(path))
            {
                if (name.StartsWith(Namespace, StringComparison.Ordinal) && ExtendedAttributes.Get(path, name) is { } value)
                {
                    // Anything in the guest can set these bytes: invalid UTF-8 becomes U+FFFD, never a broken message.
                    into[name[Namespace.Length..]] = Encoding.UTF8.GetString(value);
                }
            }
        }
        catch (IOException)
        {
            // Removed while being described: the entry goes without metadata.
        }
    }

    /// <summary>Refuses metadata outside the protocol's limits (WriteHeader.metadata).</summary>
    public static void Validate(MapField<string, string> metadata)
    {
        var total = 0;
        foreach (var (key, value) in metadata)
        {
            if (key.Length is 0 or > MaxKeyLength || !IsPrintableAscii(key) || !IsPrintableAscii(value))
            {
                throw AgentErrors.Exception(AgentErrorCode.InvalidArgument, "file metadata keys and values must be printable ASCII, keys of 1 to 246 characters");
            }

            total += Namespace.Length + key.Length + value.Length;
        }

        if (total > MaxTotalBytes)
        {
            throw AgentErrors.Exception(AgentErrorCode.InvalidArgument, "a file's metadata is limited to 4096 bytes");
        }
    }

    /// <summary>Gives <paramref name="path"/> (a file nothing else has seen yet) <paramref name="metadata"/>.</summary>
    public static void Write(string path, MapField<string, string> metadata)
    {
        foreach (var (key, value) in metadata)
        {
            ExtendedAttributes.Set(path, Namespace + key, Encoding.ASCII.GetBytes(value));
        }
    }

    private static bool IsPrintableAscii(string text) => text.All(character => character is >= ' ' and <= '~');
}
