using System.Text;
using Microsoft.AspNetCore.Http.Features;
using Wrenn.Agent.Protocol;
using Wrenn.ControlPlane.Api;
using Wrenn.ControlPlane.Identity;
using static Wrenn.ControlPlane.Api.ApiException;

namespace Wrenn.ControlPlane.Guest;

internal sealed class PathBody
{
    public string? Path { get; set; }

    public int? Depth { get; set; }
}

internal sealed record FileEntryView(
    string Name, string Path, string Type, long Size, int Mode, string Permissions, string Owner, string Group, long ModifiedAt, string? SymlinkTarget)
{
    public static FileEntryView Of(FileEntry entry) => new(
        entry.Name, entry.Path,
        entry.Type switch { FileType.Directory => "directory", FileType.Symlink => "symlink", _ => "file" },
        entry.Size, (int)entry.Mode, entry.Permissions, entry.Owner, entry.Group, entry.ModifiedAtUnix,
        entry.HasSymlinkTarget ? entry.SymlinkTarget : null);
}

internal sealed record FileList(IReadOnlyList<FileEntryView> Entries);

internal sealed record MkdirReply(FileEntryView Entry);

/// <summary>The file routes of spec §4.11, streamed to and from the guest agent in 64 KiB chunks.</summary>
internal static class FileEndpoints
{
    private const long ReadLimit = 100L * 1024 * 1024;
    private const long WriteLimit = 100L * 1024 * 1024;
    private const uint ListLimit = 10_000;
    private const int ChunkBytes = 64 * 1024;

    // Lambda routes are tagged by hand: OpenAPI would name them after the executable.
    public static void Map(IEndpointRouteBuilder routes)
    {
        routes.MapPost("/v1/capsules/{id}/files/read", (Caller caller, string id, HttpContext http, GuestAccess access) => ReadAsync(caller, id, http, access, ReadLimit))
            .Body<PathBody>().Produces(200, contentType: "application/octet-stream").WithTags(nameof(FileEndpoints));
        routes.MapPost("/v1/capsules/{id}/files/stream/read", (Caller caller, string id, HttpContext http, GuestAccess access) => ReadAsync(caller, id, http, access, 0))
            .Body<PathBody>().Produces(200, contentType: "application/octet-stream").WithTags(nameof(FileEndpoints));
        routes.MapPost("/v1/capsules/{id}/files/write", (Caller caller, string id, HttpContext http, GuestAccess access) => WriteAsync(caller, id, http, access, streamed: false))
            .Body<FileUpload>("multipart/form-data").Produces(204).WithTags(nameof(FileEndpoints));
        routes.MapPost("/v1/capsules/{id}/files/stream/write", (Caller caller, string id, HttpContext http, GuestAccess access) => WriteAsync(caller, id, http, access, streamed: true))
            .Body<FileUpload>("multipart/form-data").Produces(204).WithTags(nameof(FileEndpoints));
        routes.MapPost("/v1/capsules/{id}/files/list", ListAsync).Body<PathBody>().Produces<FileList>();
        routes.MapPost("/v1/capsules/{id}/files/mkdir", MkdirAsync).Body<PathBody>().Produces<MkdirReply>();
        routes.MapPost("/v1/capsules/{id}/files/remove", RemoveAsync).Body<PathBody>().Produces(204);
    }

    private static async Task<IResult> ListAsync(Caller caller, string id, HttpContext http, GuestAccess access)
    {
        var body = await ApiJson.ReadAsync<PathBody>(http.Request).ConfigureAwait(false);
        var path = RequirePath(body.Path);
        var depth = body.Depth is null or 0 ? 1 : body.Depth.Value;
        Require(depth is >= 1 and <= 10, "depth must be between 0 and 10");
        using var session = await access.OpenAsync(caller, id, http.RequestAborted).ConfigureAwait(false);
        // A listing is a lookup: a path that is not a directory is a 404 like a missing one (spec §4.11).
        var reply = await session.CallAsync(
            () => session.Agent.Files.ListAsync(new ListRequest { Path = path, Depth = (uint)depth, MaxEntries = ListLimit }, cancellationToken: session.Token).ResponseAsync,
            path, lookup: true).ConfigureAwait(false);
        return ApiJson.Reply(new FileList(reply.Entries.Select(FileEntryView.Of).OrderBy(entry => entry.Path, StringComparer.Ordinal).ToList()));
    }

    private static async Task<IResult> MkdirAsync(Caller caller, string id, HttpContext http, GuestAccess access)
    {
        var path = RequirePath((await ApiJson.ReadAsync<PathBody>(http.Request).ConfigureAwait(false)).Path);
        using var session = await access.OpenAsync(caller, id, http.RequestAborted).ConfigureAwait(false);
        var entry = await session.CallAsync(() => session.Agent.Files.MakeDirAsync(new PathRequest { Path = path }, cancellationToken: session.Token).ResponseAsync, path)
            .ConfigureAwait(false);
        return ApiJson.Reply(new MkdirReply(FileEntryView.Of(entry)));
    }

    private static async Task<IResult> RemoveAsync(Caller caller, string id, HttpContext http, GuestAccess access)
    {
        var path = RequirePath((await ApiJson.ReadAsync<PathBody>(http.Request).ConfigureAwait(false)).Path);
        Require(path.Trim('/').Length > 0, "the root directory cannot be removed");
        using var session = await access.OpenAsync(caller, id, http.RequestAborted).ConfigureAwait(false);
        await session.CallAsync(() => session.Agent.Files.RemoveAsync(new PathRequest { Path = path }, cancellationToken: session.Token).ResponseAsync, path, lookup: true)
            .ConfigureAwait(false);
        return Results.NoContent();
    }

    /// <summary>
    /// Sends the file's bytes. The first chunk (which carries the size) is awaited before any
    /// header goes out, so a missing path or a directory is an ordinary error reply; a failure after
    /// that aborts the response so the client never sees a clean short body.
    /// </summary>
    private static async Task<IResult> ReadAsync(Caller caller, string id, HttpContext http, GuestAccess access, long maxBytes)
    {
        var path = RequirePath((await ApiJson.ReadAsync<PathBody>(http.Request).ConfigureAwait(false)).Path);
        using var session = await access.OpenAsync(caller, id, http.RequestAborted).ConfigureAwait(false);
        await GuestFiles.SendAsync(session, new ReadRequest { Path = path, MaxBytes = maxBytes }, http).ConfigureAwait(false);
        return Results.Empty;
    }

    /// <summary>
    /// Streams a multipart upload to the guest's atomic write. <c>files/write</c> accepts the parts
    /// in either order (a file before its path is spooled to a temporary file first);
    /// <c>files/stream/write</c> needs the path first and never buffers. An aborted upload cancels
    /// the agent call, so the target stays untouched.
    /// </summary>
    private static async Task<IResult> WriteAsync(Caller caller, string id, HttpContext http, GuestAccess access, bool streamed)
    {
        var limit = streamed ? long.MaxValue : WriteLimit;
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodySize)
        {
            bodySize.MaxRequestBodySize = null;
        }

        Require(http.Request.ContentLength is null || !streamed || http.Request.ContentLength >= 0, "bad Content-Length");
        if (!streamed && http.Request.ContentLength > limit + (1024 * 1024))
        {
            throw new ApiException(ApiErrorCode.TooLarge, "files/write is limited to 100 MiB; use files/stream/write");
        }

        var reader = Multipart.Reader(http.Request, "the body must be multipart/form-data with parts path and file");
        string? path = null;
        FileStream? spooled = null;
        try
        {
            while (await Multipart.NextPartAsync(reader, http.RequestAborted).ConfigureAwait(false) is { } section)
            {
                var name = Multipart.PartName(section);
                var body = ClientBody.Part(section.Body, http.RequestAborted);
                if (name == "path")
                {
                    Require(path is null, "the path part appears twice");
                    path = RequirePath(await ReadPathPartAsync(body, http.RequestAborted).ConfigureAwait(false));
                }
                else if (name == "file" && path is not null)
                {
                    await UploadAsync(caller, id, http, access, path, body, limit).ConfigureAwait(false);
                    return Results.NoContent();
                }
                else if (name == "file")
                {
                    Require(!streamed, "the path part must precede the file part");
                    Require(spooled is null, "the file part appears twice");
                    spooled = Spool();
                    await CopyLimitedAsync(body, spooled, limit, http.RequestAborted).ConfigureAwait(false);
                }
            }

            Require(path is not null, "the path part is missing");
            Require(spooled is not null, "the file part is missing");
            spooled!.Position = 0;
            await UploadAsync(caller, id, http, access, path!, spooled, limit).ConfigureAwait(false);
            return Results.NoContent();
        }
        finally
        {
            if (spooled is not null)
            {
                await spooled.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>The path part's text: at most 4096 bytes (spec §4.11), so a huge part is never held in memory.</summary>
    private static async Task<string> ReadPathPartAsync(Stream part, CancellationToken cancellationToken)
    {
        const int MaxPathBytes = 4096;
        var buffer = new byte[MaxPathBytes + 1];
        var length = 0;
        int read;
        while (length < buffer.Length && (read = await part.ReadAsync(buffer.AsMemory(length), cancellationToken).ConfigureAwait(false)) > 0)
        {
            length += read;
        }

        Require(length <= MaxPathBytes, $"path must be at most {MaxPathBytes} bytes");
        return Encoding.UTF8.GetString(buffer, 0, length);
    }

    private static async Task UploadAsync(Caller caller, string id, HttpContext http, GuestAccess access, string path, Stream content, long limit)
    {
        using var session = await access.OpenAsync(caller, id, http.RequestAborted).ConfigureAwait(false);
        await GuestFiles.ReceiveAsync(session, new WriteHeader { Path = path, ExpectedSize = -1 }, content, limit, "files/write is limited to 100 MiB; use files/stream/write")
            .ConfigureAwait(false);
    }

    private static async Task CopyLimitedAsync(Stream source, Stream target, long limit, CancellationToken cancellationToken)
    {
        var buffer = new byte[ChunkBytes];
        long total = 0;
        int read;
        while ((read = await source.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            total += read;
            if (total > limit)
            {
                throw new ApiException(ApiErrorCode.TooLarge, "files/write is limited to 100 MiB; use files/stream/write");
            }

            await target.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
        }
    }

    private static FileStream Spool() =>
        new(Path.Combine(Path.GetTempPath(), "wrenn-upload-" + Guid.NewGuid().ToString("N")), new FileStreamOptions
        {
            Mode = FileMode.CreateNew, Access = FileAccess.ReadWrite, Options = FileOptions.DeleteOnClose | FileOptions.Asynchronous,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        });

    public static string RequirePath(string? path)
    {
        Require(!string.IsNullOrEmpty(path), "path is required");
        Require(!path!.Contains('\0', StringComparison.Ordinal) && Encoding.UTF8.GetByteCount(path) <= 4096, "path must be at most 4096 bytes without NUL");
        return path;
    }
}

/// <summary>The multipart form of the write routes, for the OpenAPI document.</summary>
internal sealed record FileUpload(string Path, IFormFile File);
