namespace Wrenn.SnapshotStore;

/// <summary>
/// Files this project writes, objects of a <see cref="DirectoryObjectStore"/> and downloaded parts
/// alike: readable by this host's user only (0600, in directories made 0700), since memory images
/// hold whatever the guests held.
/// </summary>
internal static class OwnerOnlyFiles
{
    private const UnixFileMode FilePermissions = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode DirectoryPermissions = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>
    /// Creates the new file <paramref name="path"/> for writing, making its directories first. A delete
    /// that empties a directory removes it, so one that vanished between the two steps is made again.
    /// </summary>
    public static FileStream Create(string path)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, BufferSize = 0, UnixCreateMode = FilePermissions };
        for (var attempt = 1; ; attempt++)
        {
            CreateDirectories(Path.GetDirectoryName(path)!);
            try
            {
                return new FileStream(path, options);
            }
            catch (DirectoryNotFoundException) when (attempt < 3)
            {
            }
        }
    }

    /// <summary>Removes the directories above <paramref name="path"/> that are now empty, up to (not including) <paramref name="root"/>.</summary>
    public static void RemoveEmptyParents(string path, string root)
    {
        for (var directory = Path.GetDirectoryName(path); directory is not null && directory.Length > root.Length; directory = Path.GetDirectoryName(directory))
        {
            try
            {
                Directory.Delete(directory);
            }
            catch (IOException)
            {
                return; // not empty (or already gone): its parents are not empty either
            }
        }
    }

    /// <summary>Makes <paramref name="directory"/> and its missing parents (the store's root exists), each owner-only.</summary>
    private static void CreateDirectories(string directory)
    {
        if (!Directory.Exists(directory))
        {
            CreateDirectories(Path.GetDirectoryName(directory)!);
            Directory.CreateDirectory(directory, DirectoryPermissions);
        }
    }
}
