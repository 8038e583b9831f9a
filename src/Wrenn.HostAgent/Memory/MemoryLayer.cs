using System.Buffers.Binary;
using System.IO.Hashing;
using Microsoft.Win32.SafeHandles;
using Wrenn.Linux.Memory;

using Wrenn.HostAgent.Snapshots;

namespace Wrenn.HostAgent.Memory;

/// <summary>
/// One opened, verified memory layer file: its header and page table are checked when it opens, its
/// data pages are mapped read-only and each is checked against its checksum when it is served.
/// </summary>
internal sealed class MemoryLayer : IDisposable
{
    private readonly SafeFileHandle _file;
    private readonly MappedMemory? _mapping;

    private MemoryLayer(string path, LayerHeader header, LayerEntry[] entries, ulong[] dataChecksums, SafeFileHandle file, MappedMemory? mapping)
    {
        Path = path;
        Header = header;
        Entries = entries;
        DataChecksums = dataChecksums;
        _file = file;
        _mapping = mapping;
    }

    public string Path { get; }

    public LayerHeader Header { get; }

    /// <summary>The pages this layer changes, ascending.</summary>
    public IReadOnlyList<LayerEntry> Entries { get; }

    /// <summary>Checksum of each stored data page, by its slot in the data region.</summary>
    public IReadOnlyList<ulong> DataChecksums { get; }

    /// <summary>Opens <paramref name="path"/>; a damaged or foreign file is a <see cref="SnapshotException"/>.</summary>
    public static MemoryLayer Open(string path)
    {
        SafeFileHandle file;
        try
        {
            file = File.OpenHandle(path, FileMode.Open, FileAccess.Read);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw new SnapshotException("memory layer is missing or unreadable", exception);
        }

        try
        {
            var headerBytes = new byte[LayerHeader.Size];
            var length = RandomAccess.GetLength(file);
            if (length < LayerHeader.Size || RandomAccess.Read(file, headerBytes, 0) != LayerHeader.Size)
            {
                throw new SnapshotException("memory layer is truncated");
            }

            var header = LayerHeader.Parse(headerBytes) ?? throw new SnapshotException("memory layer header is invalid");
            var tableBytes = new byte[checked((int)(header.EntryCount * LayerHeader.EntrySize))];
            if (header.TableOffset + tableBytes.Length != length || RandomAccess.Read(file, tableBytes, header.TableOffset) != tableBytes.Length
                || XxHash3.HashToUInt64(tableBytes) != header.TableChecksum)
            {
                throw new SnapshotException("memory layer page table is damaged");
            }

            var (entries, checksums) = ParseTable(tableBytes, header);
            if (LayerHeader.DataOffset + (long)checksums.Length * LayerHeader.PageSize != header.TableOffset)
            {
                throw new SnapshotException("memory layer data is truncated");
            }

            var mapping = checksums.Length > 0 ? MappedMemory.ReadOnly(file, header.TableOffset) : null;
            return new MemoryLayer(path, header, entries, checksums, file, mapping);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>Address of data slot <paramref name="slot"/> in this process (valid until Dispose).</summary>
    public nint DataAddress(long slot) => _mapping!.Address + (nint)(LayerHeader.DataOffset + slot * LayerHeader.PageSize);

    public ReadOnlySpan<byte> Data(long slot) => _mapping!.Span(LayerHeader.DataOffset + slot * LayerHeader.PageSize, LayerHeader.PageSize);

    /// <summary>Whether data slot <paramref name="slot"/> still holds the bytes that were written.</summary>
    public bool Verify(long slot) => XxHash3.HashToUInt64(Data(slot)) == DataChecksums[(int)slot];

    public void Dispose()
    {
        _mapping?.Dispose();
        _file.Dispose();
    }

    private static (LayerEntry[] Entries, ulong[] Checksums) ParseTable(ReadOnlySpan<byte> table, LayerHeader header)
    {
        var entries = new LayerEntry[header.EntryCount];
        var checksums = new List<ulong>();
        var previous = -1L;
        for (var i = 0; i < entries.Length; i++)
        {
            var record = table.Slice(i * LayerHeader.EntrySize, LayerHeader.EntrySize);
            var page = BinaryPrimitives.ReadUInt32LittleEndian(record);
            var zero = BinaryPrimitives.ReadUInt32LittleEndian(record[4..]) != 0;
            var checksum = BinaryPrimitives.ReadUInt64LittleEndian(record[8..]);
            if (page <= previous || page >= header.Pages)
            {
                throw new SnapshotException("memory layer page table is out of order");
            }

            previous = page;
            entries[i] = new LayerEntry(page, zero, checksum);
            if (!zero)
            {
                checksums.Add(checksum);
            }
        }

        return (entries, checksums.ToArray());
    }
}
