using System.Text;

namespace Wrenn.ControlPlane.Streams;

/// <summary>
/// Turns one output stream's bytes into message <c>data</c>: UTF-8 text from a streaming decoder
/// (a character split across chunks is kept whole, invalid bytes become U+FFFD), or base64 of the
/// raw bytes; at most <see cref="StreamSocket.MaxDataBytes"/> bytes per message.
/// </summary>
internal sealed class OutputEncoder(bool base64)
{
    private readonly Decoder _decoder = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false).GetDecoder();

    public IEnumerable<string> Encode(ReadOnlyMemory<byte> bytes)
    {
        for (var offset = 0; offset < bytes.Length; offset += StreamSocket.MaxDataBytes)
        {
            var chunk = bytes.Slice(offset, Math.Min(StreamSocket.MaxDataBytes, bytes.Length - offset));
            var text = base64 ? Convert.ToBase64String(chunk.Span) : Decode(chunk.Span, flush: false);
            if (text.Length > 0)
            {
                yield return text;
            }
        }
    }

    /// <summary>What the decoder still holds (an incomplete character at the very end), as U+FFFD.</summary>
    public string Flush() => base64 ? string.Empty : Decode([], flush: true);

    private string Decode(ReadOnlySpan<byte> bytes, bool flush)
    {
        var chars = new char[_decoder.GetCharCount(bytes, flush)];
        var count = _decoder.GetChars(bytes, chars, flush);
        return new string(chars, 0, count);
    }
}
