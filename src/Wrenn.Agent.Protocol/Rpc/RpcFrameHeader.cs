using System.Buffers.Binary;

namespace Wrenn.Agent.Protocol.Rpc;

/// <summary>
/// The 9-byte header in front of every RPC frame: <c>length u32 | stream u32 | kind u8</c> (little
/// endian). The link below is already framed and checked (<see cref="Link.LinkFrameHeader"/>), so
/// this one only splits calls apart.
/// </summary>
public readonly record struct RpcFrameHeader(RpcFrameKind Kind, uint Stream, int Length)
{
    public const int Size = 9;

    /// <summary>Largest payload of one frame: a message of 8 MiB and its envelope.</summary>
    public const int MaxPayload = 8 * 1024 * 1024 + 1024;

    public void Write(Span<byte> destination)
    {
        BinaryPrimitives.WriteInt32LittleEndian(destination, Length);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[4..], Stream);
        destination[8] = (byte)Kind;
    }

    /// <summary>Reads a header; a length or kind out of range is the peer breaking the protocol.</summary>
    public static RpcFrameHeader Read(ReadOnlySpan<byte> source)
    {
        var length = BinaryPrimitives.ReadInt32LittleEndian(source);
        var kind = (RpcFrameKind)source[8];
        if (length is < 0 or > MaxPayload || !Enum.IsDefined(kind))
        {
            throw new RpcProtocolException($"bad frame header (kind {(byte)kind}, length {length})");
        }

        return new RpcFrameHeader(kind, BinaryPrimitives.ReadUInt32LittleEndian(source[4..]), length);
    }
}
