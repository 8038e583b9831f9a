namespace Wrenn.ControlPlane.Api;

/// <summary>
/// A stream the client supplies, read by a handler: a read that fails because of what the client
/// sent (a body cut short or badly framed, a body over the server's limit, a malformed multipart
/// part) fails with the contract's 400 or 413 instead of an unexpected exception. A read failing
/// because the client went away stays as it is.
/// </summary>
internal sealed class ClientBody(Stream inner, string malformed, CancellationToken clientGone) : Stream
{
    /// <summary>The request body of <paramref name="context"/>.</summary>
    public static ClientBody Of(HttpContext context) => new(context.Request.Body, "the request body is malformed or ended early", context.RequestAborted);

    /// <summary>One part of a multipart body, whose reader reports broken framing as IOException or InvalidDataException.</summary>
    public static ClientBody Part(Stream part, CancellationToken clientGone) => new(part, "malformed multipart body", clientGone);

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        try
        {
            return await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is IOException or InvalidDataException or BadHttpRequestException && !clientGone.IsCancellationRequested)
        {
            throw exception is BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge }
                ? new ApiException(ApiErrorCode.TooLarge, "request body too large", exception)
                : new ApiException(ApiErrorCode.InvalidRequest, malformed, exception);
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("client bodies are read asynchronously");

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
