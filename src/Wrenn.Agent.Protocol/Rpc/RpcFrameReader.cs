namespace Wrenn.Agent.Protocol.Rpc;

/// <summary>Where <see cref="RpcFrameReader"/> delivers each whole frame.</summary>
public interface IRpcFrameHandler
{
    /// <summary>
    /// One frame. <paramref name="payload"/> is valid only during the call (copy what is kept),
    /// unless <paramref name="owned"/> is given: then it is exactly that array, the handler's to keep.
    /// </summary>
    void OnFrame(RpcFrameHeader header, ReadOnlySpan<byte> payload, byte[]? owned);
}

/// <summary>
/// Splits one direction of a connection into frames however the bytes arrive. A frame that arrived
/// whole in one piece is handed over where it lies; one split across pieces is gathered into an
/// array of its own that the handler may keep (no second copy). Not thread-safe: one reader.
/// </summary>
public sealed class RpcFrameReader
{
    private readonly byte[] _header = new byte[RpcFrameHeader.Size];
    private int _headerBytes;
    private RpcFrameHeader? _current;
    private byte[]? _payload;
    private int _payloadBytes;

    /// <exception cref="RpcProtocolException">A header out of range.</exception>
    public void Feed(ReadOnlySpan<byte> data, IRpcFrameHandler handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        while (!data.IsEmpty)
        {
            if (_current is not { } header)
            {
                if (_headerBytes == 0 && data.Length >= RpcFrameHeader.Size)
                {
                    header = RpcFrameHeader.Read(data);
                    data = data[RpcFrameHeader.Size..];
                }
                else
                {
                    var take = Math.Min(RpcFrameHeader.Size - _headerBytes, data.Length);
                    data[..take].CopyTo(_header.AsSpan(_headerBytes));
                    _headerBytes += take;
                    data = data[take..];
                    if (_headerBytes < RpcFrameHeader.Size)
                    {
                        return;
                    }

                    _headerBytes = 0;
                    header = RpcFrameHeader.Read(_header);
                }

                if (data.Length >= header.Length)
                {
                    handler.OnFrame(header, data[..header.Length], null);
                    data = data[header.Length..];
                    continue;
                }

                _current = header;
                _payload = new byte[header.Length];
                _payloadBytes = 0;
            }

            var piece = Math.Min(header.Length - _payloadBytes, data.Length);
            data[..piece].CopyTo(_payload.AsSpan(_payloadBytes));
            _payloadBytes += piece;
            data = data[piece..];
            if (_payloadBytes == header.Length)
            {
                var payload = _payload!;
                _current = null;
                _payload = null;
                handler.OnFrame(header, payload, payload);
            }
        }
    }
}
