using System.Net;

namespace Wrenn.Client;

/// <summary>
/// A request body copied from a stream as the request is sent, chunk by chunk (never buffered whole),
/// reporting the bytes sent so far.
/// </summary>
internal sealed class ProgressContent(Stream source, IProgress<long>? progress) : HttpContent
{
    private const int ChunkSize = 64 * 1024;

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        var buffer = new byte[ChunkSize];
        long sent = 0;
        int read;
        while ((read = await source.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            await stream.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
            sent += read;
            progress?.Report(sent);
        }
    }

    protected override bool TryComputeLength(out long length)
    {
        // A seekable source gives the request a Content-Length; any other is sent chunked.
        length = source.CanSeek ? source.Length - source.Position : 0;
        return source.CanSeek;
    }
}
