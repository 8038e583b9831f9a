using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace Wrenn.HostAgent.Portable;

/// <summary>
/// SHA-256 of guest images, which name them in the snapshot store: two builds of one image from
/// the same packages still differ byte for byte (file system ids, timestamps), and a disk overlay
/// fits only the bytes it was made on. Computed once per file version (path, size, change time).
/// </summary>
internal sealed class ImageDigests
{
    private readonly ConcurrentDictionary<(string Path, long Length, DateTime Changed), Task<string>> _digests = new();

    public Task<string> OfAsync(string path, CancellationToken cancellationToken)
    {
        var info = new FileInfo(path);
        return _digests.GetOrAdd((info.FullName, info.Length, info.LastWriteTimeUtc), key => ComputeAsync(key.Path)).WaitAsync(cancellationToken);
    }

    private static async Task<string> ComputeAsync(string path)
    {
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 20, useAsync: true);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(file).ConfigureAwait(false));
    }
}
