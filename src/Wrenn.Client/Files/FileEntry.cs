using System.Text.Json.Serialization;

namespace Wrenn.Client;

/// <summary>A file, directory or symbolic link in a capsule.</summary>
/// <param name="Name">The last path component.</param>
/// <param name="Path">The absolute, normalized path.</param>
/// <param name="Type">What it is.</param>
/// <param name="Size">Its size in bytes (of the entry itself, for a link its text).</param>
/// <param name="Mode">Permission bits with setuid, setgid and sticky, e.g. 420 (0644).</param>
/// <param name="Permissions"><c>ls -l</c> style, e.g. <c>-rw-r--r--</c>.</param>
/// <param name="Owner">The owner's name, or the numeric id when it has none.</param>
/// <param name="Group">The group's name, or the numeric id when it has none.</param>
/// <param name="ModifiedAt">Its last modification, to the second.</param>
/// <param name="SymlinkTarget">For a symbolic link, its text.</param>
public sealed record FileEntry(
    string Name,
    string Path,
    FileType Type,
    long Size,
    int Mode,
    string Permissions,
    string Owner,
    string Group,
    [property: JsonConverter(typeof(UnixSecondsConverter))] DateTimeOffset ModifiedAt,
    string? SymlinkTarget);

/// <summary>The reply of a directory listing.</summary>
internal sealed record FileList(IReadOnlyList<FileEntry> Entries);

/// <summary>The reply of a mkdir.</summary>
internal sealed record MkdirReply(FileEntry Entry);

/// <summary>The JSON body of the file routes: a guest path, and for a listing its depth.</summary>
internal sealed record PathBody(string Path, int? Depth = null);
