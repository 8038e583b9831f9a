using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Net.Http.Headers;
using Wrenn.ControlPlane.Api;
using Wrenn.ControlPlane.Guest;
using AgentApi = Wrenn.Agent.Protocol;

namespace Wrenn.ControlPlane.E2b.Envd;

/// <summary>
/// envd's <c>GET /files</c> (download) and <c>POST /files</c> (upload: multipart <c>file</c> parts
/// whose file name is the target when no <c>path</c> is given, or a raw body; either may be gzip
/// encoded), as the <c>username</c> the query names. Authorized by the sandbox's access token, or by
/// a signature of the URL made with it (E2B's <c>downloadUrl</c>/<c>uploadUrl</c>). An upload's
/// <c>X-Metadata-&lt;key&gt;</c> headers are the written files' metadata (keys lowercased, the first
/// value of a repeated header), which replaces what the files had.
/// </summary>
internal sealed class FileTransfers(EnvdTokens tokens, TimeProvider time)
{
    private const string MetadataHeader = "X-Metadata-";

    private sealed record Written(string Path, string Name, string Type, IReadOnlyDictionary<string, string>? Metadata);

    public async Task ServeAsync(HttpContext context, string id, Func<string, CancellationToken, Task<SandboxCall?>> open)
    {
        var query = context.Request.Query;
        var user = query["username"].ToString();
        ApiException.Require(user.Length == 0 || SandboxCall.IsUserName(user), "username is not a valid user name");
        var path = query["path"].ToString();
        var download = HttpMethods.IsGet(context.Request.Method);
        if (await RefusalAsync(context, id, path, download ? "read" : "write", user).ConfigureAwait(false) is { } refusal)
        {
            throw new ApiException(ApiErrorCode.Unauthorized, refusal);
        }

        using var call = await open(user, context.RequestAborted).ConfigureAwait(false);
        if (call is null)
        {
            return;
        }

        if (download)
        {
            ApiException.Require(path.Length > 0, "path is required");
            context.Response.Headers.ContentDisposition = new ContentDispositionHeaderValue("inline") { FileNameStar = Path.GetFileName(path) }.ToString();
            var read = new AgentApi.ReadRequest { Path = path, MaxBytes = long.MaxValue, User = call.User };
            await GuestFiles.SendAsync(call.Session, read, context).ConfigureAwait(false);
            return;
        }

        var written = await UploadAsync(context, call, path).ConfigureAwait(false);
        await E2bJson.Reply(written).ExecuteAsync(context).ConfigureAwait(false);
    }

    private static async Task<List<Written>> UploadAsync(HttpContext context, SandboxCall call, string path)
    {
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodySize)
        {
            bodySize.MaxRequestBodySize = null;
        }

        var request = context.Request;
        var body = request.Headers.ContentEncoding.ToString() switch
        {
            "" or "identity" => request.Body,
            "gzip" => new GZipStream(request.Body, CompressionMode.Decompress),
            _ => throw new ApiException(ApiErrorCode.InvalidRequest, "Content-Encoding must be gzip or none"),
        };
        var metadata = MetadataOf(request.Headers);
        if (AgentApi.FileMetadataRules.Refusal(metadata) is { } refusal)
        {
            throw ApiException.Invalid(refusal);
        }
        var written = new List<Written>();
        if (request.ContentType?.StartsWith("multipart/form-data", StringComparison.OrdinalIgnoreCase) == true)
        {
            request.Body = body;
            var reader = Multipart.Reader(request, "the body must be multipart/form-data with file parts");
            while (await Multipart.NextPartAsync(reader, context.RequestAborted).ConfigureAwait(false) is { } section)
            {
                if (Multipart.PartName(section) != "file")
                {
                    continue;
                }

                var target = path.Length > 0 ? path : FileNameOf(section);
                ApiException.Require(target.Length > 0, "each file part needs a file name when path is not given");
                written.Add(await WriteAsync(call, target, ClientBody.Part(section.Body, context.RequestAborted), metadata).ConfigureAwait(false));
            }

            ApiException.Require(written.Count > 0, "the body has no file part");
        }
        else
        {
            ApiException.Require(path.Length > 0, "path is required for a raw upload");
            written.Add(await WriteAsync(call, path, body, metadata).ConfigureAwait(false));
        }

        return written;
    }

    private static async Task<Written> WriteAsync(SandboxCall call, string path, Stream content, Dictionary<string, string> metadata)
    {
        var header = new AgentApi.WriteHeader { Path = FileEndpoints.RequirePath(path), ExpectedSize = -1, User = call.User, Metadata = { metadata } };
        var entry = await GuestFiles.ReceiveAsync(call.Session, header, content, long.MaxValue, "the upload is too large").ConfigureAwait(false);
        return new Written(entry.Path, entry.Name, "file", entry.Metadata.Count > 0 ? entry.Metadata : null);
    }

    private static Dictionary<string, string> MetadataOf(IHeaderDictionary headers)
    {
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, values) in headers)
        {
            if (name.Length > MetadataHeader.Length && name.StartsWith(MetadataHeader, StringComparison.OrdinalIgnoreCase))
            {
                metadata.TryAdd(name[MetadataHeader.Length..].ToLowerInvariant(), values[0] ?? string.Empty);
            }
        }

        return metadata;
    }

    private static string FileNameOf(Microsoft.AspNetCore.WebUtilities.MultipartSection section) =>
        ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition)
            ? HeaderUtilities.RemoveQuotes(disposition.FileNameStar.HasValue ? disposition.FileNameStar : disposition.FileName).Value ?? string.Empty
            : string.Empty;

    /// <summary>
    /// Why the request may not have the file (null: it may): it needs the access token in
    /// <c>X-Access-Token</c>, or E2B's URL signature, <c>v1_</c> and the unpadded base64 of SHA-256
    /// over <c>path:operation:user:token[:expiration]</c>, with an expiration (Unix seconds) still ahead.
    /// </summary>
    private async Task<string?> RefusalAsync(HttpContext context, string id, string path, string operation, string user)
    {
        const string invalid = "unauthorized access, invalid access token or signature";
        var cancellation = context.RequestAborted;
        var header = context.Request.Headers["X-Access-Token"].ToString();
        if (header.Length > 0)
        {
            return await tokens.IsValidAsync(id, header, cancellation).ConfigureAwait(false) ? null : invalid;
        }

        var query = context.Request.Query;
        var signature = query["signature"].ToString();
        if (signature.Length == 0)
        {
            return invalid;
        }

        var expiration = query["signature_expiration"].ToString();
        var until = long.MaxValue;
        if (expiration.Length > 0 && !long.TryParse(expiration, NumberStyles.None, CultureInfo.InvariantCulture, out until))
        {
            return invalid;
        }

        var token = await tokens.OfAsync(id, cancellation).ConfigureAwait(false);
        var signed = $"{path}:{operation}:{user}:{token}" + (expiration.Length > 0 ? ":" + expiration : string.Empty);
        var expected = "v1_" + Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(signed))).TrimEnd('=');
        return !CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(expected), Encoding.UTF8.GetBytes(signature)) ? invalid
            : until < time.GetUtcNow().ToUnixTimeSeconds() ? "signature is already expired"
            : null;
    }
}
