using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Google.Protobuf;

namespace Wrenn.ControlPlane.E2b.Envd;

/// <summary>
/// The Connect protocol with its JSON codec, as envd's clients speak it (docs/e2b.md): a unary
/// call is one JSON body each way (errors: a non-200 status and <c>{"code","message"}</c>); a
/// server stream's request is one envelope (flag byte, 4-byte big-endian length, JSON) and its
/// reply is HTTP 200 with envelopes, the last flagged end-of-stream and carrying the error if any.
/// Messages use proto3's canonical JSON (lowerCamelCase, int64 as strings, enums by name, defaults
/// left out), which <see cref="JsonFormatter"/> and <see cref="JsonParser"/> implement.
/// </summary>
internal static class ConnectWire
{
    public const string UnaryType = "application/json";
    public const string StreamType = "application/connect+json";

    /// <summary>Request messages are small (a command line, a path): anything larger is refused.</summary>
    private const int MaxRequestBytes = 1024 * 1024;

    private const byte EndStreamFlag = 0x02;

    private static readonly JsonParser Parser = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(true));

    /// <summary>The request message of a unary call, or of a server stream when <paramref name="streaming"/>.</summary>
    public static async Task<T> ReadRequestAsync<T>(HttpRequest request, MessageParser<T> parser, bool streaming) where T : IMessage<T>
    {
        var body = await ReadAllAsync(request.Body, request.HttpContext.RequestAborted).ConfigureAwait(false);
        var json = body.AsMemory();
        if (streaming)
        {
            if (body.Length < 5 || body[0] != 0)
            {
                throw ConnectException.Invalid("the request must be one uncompressed envelope");
            }

            var length = BinaryPrimitives.ReadUInt32BigEndian(body.AsSpan(1));
            if (length != body.Length - 5)
            {
                throw ConnectException.Invalid("the envelope's length does not match the body");
            }

            json = json[5..];
        }

        try
        {
            var text = Encoding.UTF8.GetString(json.Span);
            return text.Trim().Length == 0 ? parser.ParseFrom(ByteString.Empty) : (T)Parser.Parse(text, parser.ParseFrom(ByteString.Empty).Descriptor);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            throw ConnectException.Invalid("malformed request message");
        }
    }

    /// <summary>The call's deadline from <c>Connect-Timeout-Ms</c>; null when absent (no deadline).</summary>
    public static TimeSpan? TimeoutOf(HttpRequest request) =>
        long.TryParse(request.Headers["Connect-Timeout-Ms"], NumberStyles.None, CultureInfo.InvariantCulture, out var ms) && ms > 0
            ? TimeSpan.FromMilliseconds(ms)
            : null;

    public static async Task WriteUnaryAsync(HttpResponse response, IMessage message)
    {
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = UnaryType;
        await response.WriteAsync(JsonFormatter.Default.Format(message), response.HttpContext.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>
    /// A call's error before any reply: a unary call's HTTP error, or, for a streaming call (its
    /// request is enveloped, <c>application/connect+json</c>), HTTP 200 with the error in the
    /// end-of-stream frame, since Connect clients read a stream's HTTP status alone as
    /// <c>unimplemented</c> and lose the error's code.
    /// </summary>
    public static async Task WriteErrorAsync(HttpContext context, ConnectException error)
    {
        if (context.Request.ContentType?.StartsWith(StreamType, StringComparison.OrdinalIgnoreCase) == true)
        {
            await BeginStreamAsync(context.Response).ConfigureAwait(false);
            await EndStreamAsync(context.Response, error, context.RequestAborted).ConfigureAwait(false);
            return;
        }

        await WriteUnaryErrorAsync(context.Response, error).ConfigureAwait(false);
    }

    private static async Task WriteUnaryErrorAsync(HttpResponse response, ConnectException error)
    {
        response.StatusCode = ConnectCodes.StatusOf(error.Code);
        response.ContentType = UnaryType;
        await response.Body.WriteAsync(ErrorJson(error), response.HttpContext.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>Starts a server stream's reply: HTTP 200 and the headers, sent at once.</summary>
    public static async Task BeginStreamAsync(HttpResponse response)
    {
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = StreamType;
        // No buffering anywhere on the way: a process's output must reach the client as it comes.
        response.HttpContext.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpResponseBodyFeature>()?.DisableBuffering();
        await response.StartAsync(response.HttpContext.RequestAborted).ConfigureAwait(false);
        await response.Body.FlushAsync(response.HttpContext.RequestAborted).ConfigureAwait(false);
    }

    public static Task WriteMessageAsync(HttpResponse response, IMessage message, CancellationToken cancellationToken) =>
        WriteEnvelopeAsync(response, 0, Encoding.UTF8.GetBytes(JsonFormatter.Default.Format(message)), cancellationToken);

    /// <summary>
    /// Sends <paramref name="keepalive"/> after each <paramref name="interval"/> that passes before
    /// <paramref name="next"/> completes (E2B's streams: a proxy must not see them idle).
    /// </summary>
    public static async Task KeepAliveUntilAsync(Task next, HttpResponse response, IMessage keepalive, TimeSpan interval, TimeProvider time,
        CancellationToken cancellationToken)
    {
        while (!next.IsCompleted)
        {
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            if (await Task.WhenAny(next, Task.Delay(interval, time, wait.Token)).ConfigureAwait(false) == next)
            {
                await wait.CancelAsync().ConfigureAwait(false);
                return;
            }

            await WriteMessageAsync(response, keepalive, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The stream's keepalive interval: <c>Keepalive-Ping-Interval</c> seconds, 90 without it (as E2B's daemon).</summary>
    public static TimeSpan KeepaliveOf(HttpRequest request) =>
        int.TryParse(request.Headers["Keepalive-Ping-Interval"], NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) && seconds > 0
            ? TimeSpan.FromSeconds(seconds)
            : TimeSpan.FromSeconds(90);

    /// <summary>The end-of-stream envelope: <c>{}</c>, or the error the stream ended with.</summary>
    public static Task EndStreamAsync(HttpResponse response, ConnectException? error, CancellationToken cancellationToken)
    {
        byte[] json;
        if (error is null)
        {
            json = "{}"u8.ToArray();
        }
        else
        {
            using var buffer = new MemoryStream();
            using (var writer = new Utf8JsonWriter(buffer))
            {
                writer.WriteStartObject();
                writer.WritePropertyName("error");
                writer.WriteRawValue(ErrorJson(error));
                writer.WriteEndObject();
            }

            json = buffer.ToArray();
        }

        return WriteEnvelopeAsync(response, EndStreamFlag, json, cancellationToken);
    }

    private static byte[] ErrorJson(ConnectException error)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("code", ConnectCodes.NameOf(error.Code));
            writer.WriteString("message", error.Message);
            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }

    private static async Task WriteEnvelopeAsync(HttpResponse response, byte flags, byte[] json, CancellationToken cancellationToken)
    {
        var envelope = new byte[5 + json.Length];
        envelope[0] = flags;
        BinaryPrimitives.WriteUInt32BigEndian(envelope.AsSpan(1), (uint)json.Length);
        json.CopyTo(envelope, 5);
        await response.Body.WriteAsync(envelope, cancellationToken).ConfigureAwait(false);
        await response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task<byte[]> ReadAllAsync(Stream body, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await body.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > MaxRequestBytes)
            {
                throw new ConnectException(ConnectCode.ResourceExhausted, "request messages are limited to 1 MiB");
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }
}
