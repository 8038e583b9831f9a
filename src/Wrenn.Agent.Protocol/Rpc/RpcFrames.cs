using System.Buffers;
using Google.Protobuf;

namespace Wrenn.Agent.Protocol.Rpc;

/// <summary>
/// Frames gathered into one buffer, so that a call's opening (Call, its request, HalfClose) or a
/// message with its header costs one write: a syscall is dear in an emulated guest.
/// </summary>
internal sealed class RpcFrames : IDisposable
{
    private byte[] _buffer;
    private int _length;

    public RpcFrames(int capacity = 256) => _buffer = ArrayPool<byte>.Shared.Rent(capacity);

    public ReadOnlyMemory<byte> Written => _buffer.AsMemory(0, _length);

    public RpcFrames Add(RpcFrameKind kind, uint stream, ReadOnlySpan<byte> payload)
    {
        var destination = Reserve(kind, stream, payload.Length);
        payload.CopyTo(destination);
        return this;
    }

    public RpcFrames Add(RpcFrameKind kind, uint stream, IMessage payload)
    {
        var destination = Reserve(kind, stream, payload.CalculateSize());
        payload.WriteTo(destination);
        return this;
    }

    public RpcFrames AddCredit(uint stream, int bytes)
    {
        var destination = Reserve(RpcFrameKind.Credit, stream, sizeof(uint));
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(destination, (uint)bytes);
        return this;
    }

    public void Dispose() => ArrayPool<byte>.Shared.Return(_buffer);

    private Span<byte> Reserve(RpcFrameKind kind, uint stream, int length)
    {
        if (length > RpcFrameHeader.MaxPayload)
        {
            throw new Grpc.Core.RpcException(new Grpc.Core.Status(Grpc.Core.StatusCode.ResourceExhausted, "message too large"));
        }

        var needed = _length + RpcFrameHeader.Size + length;
        if (needed > _buffer.Length)
        {
            var larger = ArrayPool<byte>.Shared.Rent(needed);
            _buffer.AsSpan(0, _length).CopyTo(larger);
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = larger;
        }

        new RpcFrameHeader(kind, stream, length).Write(_buffer.AsSpan(_length));
        var payload = _buffer.AsSpan(_length + RpcFrameHeader.Size, length);
        _length = needed;
        return payload;
    }
}
