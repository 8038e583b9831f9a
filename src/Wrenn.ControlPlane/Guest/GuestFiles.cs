using Google.Protobuf;
using Grpc.Core;
using Wrenn.Agent.Protocol;
using Wrenn.ControlPlane.Api;

namespace Wrenn.ControlPlane.Guest;

/// <summary>The byte copies between an HTTP body and a guest file that the v1 file routes and E2B's <c>/files</c> share.</summary>
internal static class GuestFiles
{
    private const int ChunkBytes = 64 * 1024;

    /// <summary>
    /// Streams the guest file <paramref name="request"/> reads (at most its <c>MaxBytes</c>; 0: no
    /// limit, and no Content-Length) into the response. A failure before the first byte is the API
    /// error; after it, the response is cut so that the client sees an incomplete body.
    /// </summary>
    public static async Task SendAsync(GuestSession session, ReadRequest request, HttpContext http)
    {
        var maxBytes = request.MaxBytes;
        using var call = session.Agent.Files.Read(request, cancellationToken: session.Token);
        var first = await session.CallAsync(async () => await call.ResponseStream.MoveNext(session.Token).ConfigureAwait(false) ? call.ResponseStream.Current : null, request.Path, lookup: true)
            .ConfigureAwait(false) ?? throw new ApiException(ApiErrorCode.AgentError, "the guest agent sent no data");
        var response = http.Response;
        response.ContentType = "application/octet-stream";
        // files/read announces the length when the file knows it (procfs does not: then chunked).
        var length = maxBytes > 0 && first.Size >= 0 ? first.Size : -1;
        if (length >= 0)
        {
            response.ContentLength = length;
        }

        long written = 0;
        try
        {
            var data = first.Data;
            while (true)
            {
                if (length >= 0 && written + data.Length > length)
                {
                    // More than the agent announced (a hostile or broken guest): the body cannot be completed.
                    throw new IOException("the guest sent more bytes than it announced");
                }

                await response.Body.WriteAsync(data.Memory, session.Token).ConfigureAwait(false);
                written += data.Length;
                if (!await call.ResponseStream.MoveNext(session.Token).ConfigureAwait(false))
                {
                    break;
                }

                data = call.ResponseStream.Current.Data;
            }
        }
        catch (Exception exception) when ((exception is RpcException or OperationCanceledException or IOException) && (length < 0 || written < length))
        {
            // The client must see an incomplete body, never a clean short one. A body already
            // complete is left alone: its client may have sent the next request on the connection.
            http.Abort();
        }
        catch (Exception exception) when (exception is RpcException or OperationCanceledException or IOException)
        {
            // Every byte was sent; what failed after them (a pause, the call's end) changes nothing.
        }

    }

    /// <summary>
    /// Streams <paramref name="content"/> into the guest's atomic write of <paramref name="header"/>;
    /// more than <paramref name="limit"/> bytes is a 413 (<paramref name="tooLarge"/>) and leaves the target untouched.
    /// </summary>
    public static async Task<FileEntry> ReceiveAsync(GuestSession session, WriteHeader header, Stream content, long limit, string tooLarge)
    {
        var call = session.Agent.Files.Write(cancellationToken: session.Token);
        try
        {
            await call.RequestStream.WriteAsync(new WriteChunk { Header = header }, session.Token).ConfigureAwait(false);
            var buffer = new byte[ChunkBytes];
            long total = 0;
            int read;
            while ((read = await content.ReadAsync(buffer, session.Token).ConfigureAwait(false)) > 0)
            {
                total += read;
                if (total > limit)
                {
                    throw new ApiException(ApiErrorCode.TooLarge, tooLarge);
                }

                await call.RequestStream.WriteAsync(new WriteChunk { Data = ByteString.CopyFrom(buffer, 0, read) }, session.Token).ConfigureAwait(false);
            }

            await call.RequestStream.CompleteAsync().ConfigureAwait(false);
            return await call.ResponseAsync.ConfigureAwait(false);
        }
        catch (RpcException exception)
        {
            throw await ResponseFailureAsync(session, call, exception, header.Path).ConfigureAwait(false);
        }
        finally
        {
            call.Dispose();
        }
    }

    /// <summary>A write refused early (bad path) surfaces as a failed request stream; the reply says why.</summary>
    private static async Task<ApiException> ResponseFailureAsync(GuestSession session, AsyncClientStreamingCall<WriteChunk, FileEntry> call, RpcException exception, string path)
    {
        try
        {
            await call.ResponseAsync.ConfigureAwait(false);
        }
        catch (RpcException reply)
        {
            return session.Fail(reply, path);
        }

        return session.Fail(exception, path);
    }
}
