using System.Security.Cryptography;
using ZstdSharp;

namespace Wrenn.SnapshotStore;

/// <summary>
/// How a chunk's bytes become an object and back: named by the SHA-256 of the raw bytes, stored as
/// one zstd frame (level 3: most of level 19's ratio on memory images at a fraction of the time), and
/// checked against both name and length when read, so a damaged or substituted object is never restored.
/// </summary>
internal static class ChunkCodec
{
    private const int CompressionLevel = 3;

    /// <summary>The content address of <paramref name="raw"/>: its SHA-256 in lowercase hex.</summary>
    public static string Address(ReadOnlySpan<byte> raw) => Convert.ToHexStringLower(SHA256.HashData(raw));

    public static int MaxCompressedLength(int rawLength) => Compressor.GetCompressBound(rawLength);

    /// <summary>Compresses <paramref name="raw"/> into <paramref name="destination"/>; returns the bytes written.</summary>
    public static int Compress(ReadOnlySpan<byte> raw, Span<byte> destination)
    {
        using var compressor = new Compressor(CompressionLevel);
        return compressor.Wrap(raw, destination);
    }

    /// <summary>
    /// Decompresses <paramref name="stored"/> into all of <paramref name="raw"/>, or throws
    /// <see cref="SnapshotCorruptException"/> when it is no zstd frame, not exactly that long, or not
    /// the bytes <paramref name="sha256"/> names.
    /// </summary>
    public static void Unpack(ReadOnlySpan<byte> stored, Span<byte> raw, string sha256)
    {
        bool fits;
        int written;
        try
        {
            using var decompressor = new Decompressor();
            fits = decompressor.TryUnwrap(stored, raw, out written);
        }
        catch (ZstdException e)
        {
            throw new SnapshotCorruptException("a chunk of the snapshot cannot be decompressed", e);
        }

        if (!fits || written != raw.Length || Address(raw) != sha256)
        {
            throw new SnapshotCorruptException("a chunk of the snapshot does not match its checksum");
        }
    }
}
