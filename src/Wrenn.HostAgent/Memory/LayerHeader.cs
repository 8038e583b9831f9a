using System.Buffers.Binary;
using System.IO.Hashing;

namespace Wrenn.HostAgent.Memory;

/// <summary>
/// The first 4 KiB of a memory layer file (format in docs/memory-layers.md): what the layer covers,
/// which layer it sits on, and where its page table is. Little-endian throughout.
/// </summary>
internal sealed record LayerHeader(int Generation, long MemoryBytes, long EntryCount, long TableOffset, Guid LayerId, Guid ParentId, ulong TableChecksum)
{
    public const int PageSize = 4096;
    public const int Size = 4096;
    public const int EntrySize = 16;
    private const int UsedBytes = 88;
    private static ReadOnlySpan<byte> Magic => "WRNMEM01"u8;

    /// <summary>Offset of the first data page: pages follow the header, in table order.</summary>
    public const long DataOffset = Size;

    public long Pages => MemoryBytes / PageSize;

    public byte[] ToBytes()
    {
        var bytes = new byte[Size];
        Magic.CopyTo(bytes);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(8), PageSize);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(12), Generation);
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(16), MemoryBytes);
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(24), EntryCount);
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(32), TableOffset);
        LayerId.TryWriteBytes(bytes.AsSpan(40, 16));
        ParentId.TryWriteBytes(bytes.AsSpan(56, 16));
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(72), TableChecksum);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(80), XxHash3.HashToUInt64(bytes.AsSpan(0, 80)));
        return bytes;
    }

    /// <summary>Parses and checks a header; null when it is not a valid one.</summary>
    public static LayerHeader? Parse(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < UsedBytes || !bytes[..8].SequenceEqual(Magic)
            || BinaryPrimitives.ReadUInt64LittleEndian(bytes[80..]) != XxHash3.HashToUInt64(bytes[..80])
            || BinaryPrimitives.ReadInt32LittleEndian(bytes[8..]) != PageSize)
        {
            return null;
        }

        var header = new LayerHeader(
            BinaryPrimitives.ReadInt32LittleEndian(bytes[12..]),
            BinaryPrimitives.ReadInt64LittleEndian(bytes[16..]),
            BinaryPrimitives.ReadInt64LittleEndian(bytes[24..]),
            BinaryPrimitives.ReadInt64LittleEndian(bytes[32..]),
            new Guid(bytes.Slice(40, 16)),
            new Guid(bytes.Slice(56, 16)),
            BinaryPrimitives.ReadUInt64LittleEndian(bytes[72..]));
        var sane = header.MemoryBytes > 0 && header.MemoryBytes % PageSize == 0 && header.EntryCount >= 0
            && header.EntryCount <= header.Pages && header.TableOffset >= DataOffset;
        return sane ? header : null;
    }
}
