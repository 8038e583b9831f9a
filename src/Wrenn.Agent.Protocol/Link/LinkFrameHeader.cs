using System.Buffers.Binary;
using System.Numerics;

namespace Wrenn.Agent.Protocol.Link;

/// <summary>
/// The 20-byte header in front of every frame of the agent link:
/// <c>'W' 'L' version kind | length u32 | epoch u64 | check u32</c> (little endian), where check is
/// CRC-32C over the first 16 bytes. A reader that lost its place (the tail of a frame from an
/// earlier connection) finds the next header by its magic and check.
/// </summary>
public readonly record struct LinkFrameHeader(LinkFrameKind Kind, LinkEpoch Epoch, int Length)
{
    public const int Size = 20;

    /// <summary>Largest payload of one frame.</summary>
    public const int MaxPayload = 32 * 1024;

    /// <summary>
    /// Zero bytes a host sends before its Hello. A connection can end in the middle of a frame;
    /// the guest then still expects the rest of that frame's payload and would swallow what comes
    /// next. No payload is longer than this gap, so the Hello after it is always seen.
    /// </summary>
    public const int SyncGap = Size + MaxPayload;

    private const byte Magic0 = (byte)'W';
    private const byte Magic1 = (byte)'L';
    private const byte Version = 1;
    private const uint CheckSeed = 0x5752454E; // "WREN"

    /// <summary>The first byte of every header: where a reader resumes its search.</summary>
    public static byte FirstByte => Magic0;

    public void Write(Span<byte> destination)
    {
        destination[0] = Magic0;
        destination[1] = Magic1;
        destination[2] = Version;
        destination[3] = (byte)Kind;
        BinaryPrimitives.WriteUInt32LittleEndian(destination[4..], (uint)Length);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[8..], Epoch.Value);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[16..], Check(destination));
    }

    /// <summary>Reads a header from the first <see cref="Size"/> bytes of <paramref name="source"/>; false if they are not one.</summary>
    public static bool TryRead(ReadOnlySpan<byte> source, out LinkFrameHeader header)
    {
        header = default;
        if (source.Length < Size || source[0] != Magic0 || source[1] != Magic1 || source[2] != Version
            || BinaryPrimitives.ReadUInt32LittleEndian(source[16..]) != Check(source))
        {
            return false;
        }

        var kind = (LinkFrameKind)source[3];
        var length = BinaryPrimitives.ReadUInt32LittleEndian(source[4..]);
        var epoch = new LinkEpoch(BinaryPrimitives.ReadUInt64LittleEndian(source[8..]));
        var valid = epoch.Value != 0 && kind switch
        {
            LinkFrameKind.Hello or LinkFrameKind.Welcome or LinkFrameKind.LegacyWelcome or LinkFrameKind.Ready => length == 0,
            LinkFrameKind.Data => length is > 0 and <= MaxPayload,
            _ => false,
        };
        if (valid)
        {
            header = new LinkFrameHeader(kind, epoch, (int)length);
        }

        return valid;
    }

    private static uint Check(ReadOnlySpan<byte> header) =>
        BitOperations.Crc32C(
            BitOperations.Crc32C(CheckSeed, BinaryPrimitives.ReadUInt64LittleEndian(header)),
            BinaryPrimitives.ReadUInt64LittleEndian(header[8..]));
}
