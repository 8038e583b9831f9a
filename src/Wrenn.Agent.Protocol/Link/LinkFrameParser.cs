namespace Wrenn.Agent.Protocol.Link;

/// <summary>
/// Splits one direction of the agent link into frames, however the bytes arrive. Anything that is
/// not a valid header is skipped byte by byte until one is (the tail of an earlier connection, a
/// sync gap, garbage), so the parser always finds its place again. Not thread-safe: one reader.
/// </summary>
public sealed class LinkFrameParser
{
    private readonly byte[] _header = new byte[LinkFrameHeader.Size];
    private int _headerBytes;
    private int _payloadLeft;

    /// <summary>Bytes skipped since the parser was made: not part of any frame that was found.</summary>
    public long SkippedBytes { get; private set; }

    public void Feed(ReadOnlySpan<byte> data, ILinkFrameSink sink)
    {
        ArgumentNullException.ThrowIfNull(sink);
        while (!data.IsEmpty)
        {
            if (_payloadLeft > 0)
            {
                var piece = Math.Min(_payloadLeft, data.Length);
                _payloadLeft -= piece;
                sink.OnPayload(data[..piece]);
                data = data[piece..];
                continue;
            }

            if (_headerBytes == 0)
            {
                var start = data.IndexOf(LinkFrameHeader.FirstByte);
                if (start < 0)
                {
                    SkippedBytes += data.Length;
                    return;
                }

                SkippedBytes += start;
                data = data[start..];
            }

            var take = Math.Min(LinkFrameHeader.Size - _headerBytes, data.Length);
            data[..take].CopyTo(_header.AsSpan(_headerBytes));
            _headerBytes += take;
            data = data[take..];
            if (_headerBytes < LinkFrameHeader.Size)
            {
                return;
            }

            if (LinkFrameHeader.TryRead(_header, out var header))
            {
                _headerBytes = 0;
                _payloadLeft = sink.OnFrame(header) ? header.Length : 0;
                continue;
            }

            // Not a header: drop its first byte and look for the next candidate in the rest. The
            // bytes kept here are re-examined before anything that follows them in data.
            var next = _header.AsSpan(1).IndexOf(LinkFrameHeader.FirstByte);
            var dropped = next < 0 ? LinkFrameHeader.Size : next + 1;
            SkippedBytes += dropped;
            _header.AsSpan(dropped).CopyTo(_header);
            _headerBytes = LinkFrameHeader.Size - dropped;
        }
    }
}
