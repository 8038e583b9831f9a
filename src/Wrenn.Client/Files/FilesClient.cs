using System.Net.Http.Headers;

namespace Wrenn.Client;

/// <summary>
/// Reading, writing, listing and removing files in a capsule (<c>/v1/capsules/{id}/files</c>). Relative and
/// <c>~</c> paths are taken from the template user's home.
/// </summary>
public sealed class FilesClient
{
    private const int ChunkSize = 64 * 1024;

    private readonly ApiConnection _api;

    internal FilesClient(ApiConnection api) => _api = api;

    /// <summary>A whole file, read at once (at most 100 MiB: use <see cref="OpenReadAsync"/> or <see cref="DownloadAsync"/> beyond).</summary>
    /// <exception cref="NotFoundException">No such file.</exception>
    /// <exception cref="TooLargeException">Above 100 MiB.</exception>
    public async Task<byte[]> ReadAsync(CapsuleId capsule, string path, CancellationToken cancellationToken = default)
    {
        using var request = PathRequest(capsule, "read", path);
        using var reply = await _api.SendAsync(request, cancellationToken).ConfigureAwait(false);
        return await reply.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Writes a whole file (at most 100 MiB), creating its missing parent directories; atomic.</summary>
    public Task WriteAsync(CapsuleId capsule, string path, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default)
        => _api.SendAsync(HttpMethod.Post, Route(capsule, "write"), Form(path, new ReadOnlyMemoryContent(content)), cancellationToken);

    /// <summary>Writes a file from <paramref name="content"/>, read to its end (at most 100 MiB: use <see cref="UploadAsync"/> beyond).</summary>
    public Task WriteAsync(CapsuleId capsule, string path, Stream content, CancellationToken cancellationToken = default)
        => _api.SendAsync(HttpMethod.Post, Route(capsule, "write"), Form(path, new ProgressContent(content, null)), cancellationToken);

    /// <summary>The entries below a directory, ordered by path, up to <paramref name="depth"/> levels down (1–10).</summary>
    /// <exception cref="NotFoundException">No such directory.</exception>
    public async Task<IReadOnlyList<FileEntry>> ListAsync(CapsuleId capsule, string path, int depth = 1, CancellationToken cancellationToken = default)
    {
        var body = ApiConnection.Json(new PathBody(path, depth), WrennJson.Default.PathBody);
        return (await _api.SendAsync(HttpMethod.Post, Route(capsule, "list"), body, WrennJson.Default.FileList, cancellationToken).ConfigureAwait(false)).Entries;
    }

    /// <summary>Creates a directory and its missing parents.</summary>
    /// <exception cref="ConflictException">The path already exists.</exception>
    public async Task<FileEntry> MakeDirectoryAsync(CapsuleId capsule, string path, CancellationToken cancellationToken = default)
    {
        var body = ApiConnection.Json(new PathBody(path), WrennJson.Default.PathBody);
        return (await _api.SendAsync(HttpMethod.Post, Route(capsule, "mkdir"), body, WrennJson.Default.MkdirReply, cancellationToken).ConfigureAwait(false)).Entry;
    }

    /// <summary>Removes a file, a symbolic link (not its target) or a directory with everything in it.</summary>
    /// <exception cref="NotFoundException">No such path.</exception>
    public Task RemoveAsync(CapsuleId capsule, string path, CancellationToken cancellationToken = default)
        => _api.SendAsync(HttpMethod.Post, Route(capsule, "remove"), ApiConnection.Json(new PathBody(path), WrennJson.Default.PathBody), cancellationToken);

    /// <summary>
    /// Opens a file of any size for reading as it arrives. Dispose the stream. A transfer that fails midway
    /// ends in an <see cref="IOException"/>, never in a clean short read.
    /// </summary>
    /// <exception cref="NotFoundException">No such file.</exception>
    public async Task<Stream> OpenReadAsync(CapsuleId capsule, string path, CancellationToken cancellationToken = default)
    {
        using var request = PathRequest(capsule, "stream/read", path);
        var reply = await _api.SendAsync(request, cancellationToken, streamed: true).ConfigureAwait(false);
        try
        {
            return new ReplyStream(reply, await reply.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false));
        }
        catch
        {
            reply.Dispose();
            throw;
        }
    }

    /// <summary>Copies a file of any size into <paramref name="destination"/>, reporting the bytes copied so far; returns their count.</summary>
    public async Task<long> DownloadAsync(CapsuleId capsule, string path, Stream destination, IProgress<long>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(destination);
        var source = await OpenReadAsync(capsule, path, cancellationToken).ConfigureAwait(false);
        await using (source.ConfigureAwait(false))
        {
            var buffer = new byte[ChunkSize];
            long copied = 0;
            int read;
            while ((read = await source.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                await destination.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                copied += read;
                progress?.Report(copied);
            }

            return copied;
        }
    }

    /// <summary>
    /// Writes a file of any size from <paramref name="content"/> (read to its end), streamed as it is read and
    /// reporting the bytes sent so far. Atomic: a failed upload leaves the target as it was.
    /// </summary>
    public async Task UploadAsync(CapsuleId capsule, string path, Stream content, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        using var request = new HttpRequestMessage(HttpMethod.Post, Route(capsule, "stream/write")) { Content = Form(path, new ProgressContent(content, progress)) };
        // Streamed: an upload is bounded by the caller's token only, not by the per-request time limit.
        using var reply = await _api.SendAsync(request, cancellationToken, streamed: true).ConfigureAwait(false);
    }

    private static string Route(CapsuleId capsule, string operation) => $"{CapsulesClient.Path(capsule)}/files/{operation}";

    private static HttpRequestMessage PathRequest(CapsuleId capsule, string operation, string path) => new(HttpMethod.Post, Route(capsule, operation))
    {
        Content = ApiConnection.Json(new PathBody(path), WrennJson.Default.PathBody),
    };

    /// <summary>The multipart body of a write: the <c>path</c> part first, as the streamed route requires, then the <c>file</c> part.</summary>
    private static MultipartFormDataContent Form(string path, HttpContent file)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        var name = System.IO.Path.GetFileName(path.TrimEnd('/'));
        return new MultipartFormDataContent
        {
            { new StringContent(path), "path" },
            { file, "file", name.Length > 0 ? name : "file" },
        };
    }
}
