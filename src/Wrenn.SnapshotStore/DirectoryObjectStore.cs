using System.IO.Enumeration;
using System.Security.Cryptography;

namespace Wrenn.SnapshotStore;

/// <summary>
/// An object store on a directory: a local disk, or a mount several hosts share (NFS, CephFS), which
/// makes snapshots portable without any object storage service. A key is a relative path under the
/// root. A put writes a temporary file beside the object, flushes it to disk and renames it over
/// the object, so readers on any host see the old or the new bytes, never a mix. The root must
/// exist: creating it would hide an unmounted share behind an empty local directory.
/// </summary>
public sealed class DirectoryObjectStore : IObjectStore
{
    /// <summary>Marks files that are being written; listings skip them and keys may not contain it.</summary>
    private const string TemporaryMarker = ".tmp-";

    private readonly string _root;

    public DirectoryObjectStore(string root)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(root);
        _root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(root));
    }

    public Task PutAsync(string key, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        var path = PathOf(key);
        return GuardAsync(async () =>
        {
            var temporary = path + TemporaryMarker + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
            var file = OwnerOnlyFiles.Create(temporary);
            try
            {
                await using (file)
                {
                    await file.WriteAsync(content, cancellationToken).ConfigureAwait(false);
                    file.Flush(flushToDisk: true);
                }

                File.Move(temporary, path, overwrite: true);
            }
            catch
            {
                File.Delete(temporary);
                throw;
            }
        });
    }

    public Task<byte[]?> GetAsync(string key, CancellationToken cancellationToken)
    {
        var path = PathOf(key);
        return GuardAsync(async () =>
        {
            try
            {
                return await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
            {
                return (byte[]?)null;
            }
        });
    }

    public Task<StoredObject?> StatAsync(string key, CancellationToken cancellationToken)
    {
        var path = PathOf(key);
        return GuardAsync(() =>
        {
            var file = new FileInfo(path);
            return Task.FromResult(file.Exists ? new StoredObject(key, file.Length, file.LastWriteTimeUtc) : null);
        });
    }

    /// <inheritdoc/>
    /// <remarks>Throws <see cref="FileNotFoundException"/> when there is no such object.</remarks>
    public Task TouchAsync(string key, CancellationToken cancellationToken)
    {
        var path = PathOf(key);
        return GuardAsync(() =>
        {
            try
            {
                // The system clock, the one that stamps writes: mtimes of one store come from one clock.
                File.SetLastWriteTimeUtc(path, TimeProvider.System.GetUtcNow().UtcDateTime);
            }
            catch (DirectoryNotFoundException e)
            {
                throw new FileNotFoundException("there is no such object to touch", e);
            }

            return Task.CompletedTask;
        });
    }

    /// <inheritdoc/>
    /// <remarks>Directories the removal leaves empty go too, so dead capsules leave no trace.</remarks>
    public Task DeleteAsync(string key, CancellationToken cancellationToken)
    {
        var path = PathOf(key);
        return GuardAsync(() =>
        {
            try
            {
                File.Delete(path);
            }
            catch (DirectoryNotFoundException)
            {
                return Task.CompletedTask;
            }

            OwnerOnlyFiles.RemoveEmptyParents(path, _root);
            return Task.CompletedTask;
        });
    }

    public IAsyncEnumerable<StoredObject> ListAsync(string prefix, CancellationToken cancellationToken)
    {
        ObjectKey.ValidatePrefix(prefix, nameof(prefix));
        return List(prefix, cancellationToken).ToAsyncEnumerable();
    }

    private IEnumerable<StoredObject> List(string prefix, CancellationToken cancellationToken)
    {
        EnsureRoot();
        var slash = prefix.LastIndexOf('/');
        var start = slash < 0 ? _root : Path.Combine(_root, prefix[..slash]);
        if (!Directory.Exists(start))
        {
            yield break;
        }

        var options = new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 };
        IEnumerator<StoredObject?> entries;
        try
        {
            // The enumerator opens the start directory here, so a refusal surfaces now.
            entries = new FileSystemEnumerable<StoredObject?>(start, ToObject, options) { ShouldIncludePredicate = IsFile }.GetEnumerator();
        }
        catch (UnauthorizedAccessException e)
        {
            throw Refused(e);
        }

        using (entries)
        {
            while (entries.MoveNext())
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (entries.Current is { } stored && stored.Key.StartsWith(prefix, StringComparison.Ordinal))
                {
                    yield return stored;
                }
            }
        }
    }

    private static bool IsFile(ref FileSystemEntry entry) => !entry.IsDirectory;

    /// <summary>The object a file holds, or null for a temporary file or a name that is no key.</summary>
    private StoredObject? ToObject(ref FileSystemEntry entry)
    {
        var key = Path.GetRelativePath(_root, entry.ToFullPath());
        return ObjectKey.IsValid(key) && !key.Contains(TemporaryMarker, StringComparison.Ordinal)
            ? new StoredObject(key, entry.Length, entry.LastWriteTimeUtc)
            : null;
    }

    private string PathOf(string key)
    {
        ObjectKey.Validate(key, nameof(key));
        if (key.Contains(TemporaryMarker, StringComparison.Ordinal))
        {
            throw new ArgumentException($"a key of a directory store may not contain '{TemporaryMarker}'", nameof(key));
        }

        return Path.Combine(_root, key);
    }

    /// <summary>Runs one operation, turning a missing or forbidden root into <see cref="StoreUnavailableException"/>.</summary>
    private async Task GuardAsync(Func<Task> operation)
    {
        EnsureRoot();
        try
        {
            await operation().ConfigureAwait(false);
        }
        catch (UnauthorizedAccessException e)
        {
            throw Refused(e);
        }
    }

    private async Task<T> GuardAsync<T>(Func<Task<T>> operation)
    {
        var result = default(T)!;
        await GuardAsync(async () => { result = await operation().ConfigureAwait(false); }).ConfigureAwait(false);
        return result;
    }

    private void EnsureRoot()
    {
        if (!Directory.Exists(_root))
        {
            throw new StoreUnavailableException("the snapshot store's directory does not exist (is the share mounted?)");
        }
    }

    private static StoreUnavailableException Refused(UnauthorizedAccessException e) =>
        new("the snapshot store's directory refuses this host's access", e);
}
