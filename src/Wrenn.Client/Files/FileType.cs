using System.Text.Json.Serialization;

namespace Wrenn.Client;

/// <summary>What a file entry is.</summary>
[JsonConverter(typeof(SnakeCaseEnumConverter<FileType>))]
public enum FileType
{
    /// <summary>Anything but a directory or a symbolic link: a regular file, fifo, socket or device.</summary>
    File,

    /// <summary>A directory.</summary>
    Directory,

    /// <summary>A symbolic link (not followed).</summary>
    Symlink,
}
