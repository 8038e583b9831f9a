using Wrenn.Agent.Protocol;
using Wrenn.GuestAgent.Accounts;
using Wrenn.Linux.FileSystem;

namespace Wrenn.GuestAgent.Files;

/// <summary>Describes paths as FileEntry messages, never following a final symlink.</summary>
internal sealed class FileEntries(UserDatabase users)
{
    public FileEntry Describe(string path)
    {
        FileSystemInfo info = Directory.Exists(path) && !IsSymlink(path) ? new DirectoryInfo(path) : new FileInfo(path);
        if (!info.Exists && info.LinkTarget is null)
        {
            throw new FileNotFoundException();
        }

        return Describe(info);
    }

    public FileEntry Describe(FileSystemInfo info)
    {
        ArgumentNullException.ThrowIfNull(info);
        var type = info.LinkTarget is not null ? FileType.Symlink
            : info.Attributes.HasFlag(FileAttributes.Directory) ? FileType.Directory
            : FileType.File;
        var mode = (uint)info.UnixFileMode;
        var entry = new FileEntry
        {
            Name = info.Name,
            Path = info.FullName.Length > 1 ? info.FullName.TrimEnd('/') : info.FullName,
            Type = type,
            // The entry's own size (spec: of the entry itself): a directory's, a symlink's text.
            Size = info is FileInfo file && type == FileType.File ? file.Length : FileStat.OwnSize(info.FullName),
            Mode = mode,
            Permissions = Permissions(type, info.UnixFileMode),
            ModifiedAtUnix = new DateTimeOffset(info.LastWriteTimeUtc).ToUnixTimeSeconds(),
        };
        if (FileStat.Owner(info.FullName) is var (uid, gid))
        {
            entry.Owner = users.UserName(uid);
            entry.Group = users.GroupName(gid);
        }

        if (info.LinkTarget is { } target)
        {
            entry.SymlinkTarget = target;
        }

        FileMetadata.ReadInto(info.FullName, entry.Metadata);
        return entry;
    }

    private static bool IsSymlink(string path) => new FileInfo(path).LinkTarget is not null;

    private static string Permissions(FileType type, UnixFileMode mode)
    {
        Span<char> text = stackalloc char[10];
        text[0] = type switch { FileType.Directory => 'd', FileType.Symlink => 'l', _ => '-' };
        ReadOnlySpan<(UnixFileMode Bit, char Letter)> bits =
        [
            (UnixFileMode.UserRead, 'r'), (UnixFileMode.UserWrite, 'w'), (UnixFileMode.UserExecute, 'x'),
            (UnixFileMode.GroupRead, 'r'), (UnixFileMode.GroupWrite, 'w'), (UnixFileMode.GroupExecute, 'x'),
            (UnixFileMode.OtherRead, 'r'), (UnixFileMode.OtherWrite, 'w'), (UnixFileMode.OtherExecute, 'x'),
        ];
        for (var i = 0; i < bits.Length; i++)
        {
            text[i + 1] = mode.HasFlag(bits[i].Bit) ? bits[i].Letter : '-';
        }

        return new string(text);
    }
}
