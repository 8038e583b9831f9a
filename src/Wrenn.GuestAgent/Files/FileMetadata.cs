using System.Text;
using Google.Protobuf.Collections;
using Wrenn.Agent.Protocol;
using Wrenn.Linux;
using Wrenn.Linux.FileSystem;

namespace Wrenn.GuestAgent.Files;

/// <summary>
/// A file's user-defined metadata: its extended attributes in E2B's namespace
/// (<see cref="FileMetadataRules.Namespace"/>), where E2B's daemon keeps them, so that programs in
/// the guest find them as they would there.
/// </summary>
internal static class FileMetadata
{
    /// <summary>Adds <paramref name="path"/>'s metadata to <paramref name="into"/>; none when it has none or went away.</summary>
    public static void ReadInto(string path, MapField<string, string> into)
    {
        try
        {
            foreach (var name in ExtendedAttributes.Names(path))
            {
                if (name.StartsWith(FileMetadataRules.Namespace, StringComparison.Ordinal) && ExtendedAttributes.Get(path, name) is { } value)
                {
                    // Anything in the guest can set these bytes: invalid UTF-8 becomes U+FFFD, never a broken message.
                    into[name[FileMetadataRules.Namespace.Length..]] = Encoding.UTF8.GetString(value);
                }
            }
        }
        catch (IOException)
        {
            // Removed while being described: the entry goes without metadata.
        }
    }

    /// <summary>Refuses metadata outside <see cref="FileMetadataRules"/>.</summary>
    public static void Validate(MapField<string, string> metadata)
    {
        if (FileMetadataRules.Refusal(metadata) is { } refusal)
        {
            throw AgentErrors.Exception(AgentErrorCode.InvalidArgument, refusal);
        }
    }

    /// <summary>
    /// Gives <paramref name="path"/> (a file nothing else has seen yet) <paramref name="metadata"/>.
    /// The file system's own room for attributes (a block less its headers on ext4) can be less than
    /// the rules allow: that is the caller's error too, not a full disk.
    /// </summary>
    public static void Write(string path, MapField<string, string> metadata)
    {
        foreach (var (key, value) in metadata)
        {
            try
            {
                ExtendedAttributes.Set(path, FileMetadataRules.Namespace + key, Encoding.ASCII.GetBytes(value));
            }
            catch (IOException failure) when (failure.HResult is Errno.ENOSPC or Errno.E2BIG)
            {
                throw AgentErrors.Exception(AgentErrorCode.InvalidArgument, "the file system has no room for this much file metadata");
            }
        }
    }
}
