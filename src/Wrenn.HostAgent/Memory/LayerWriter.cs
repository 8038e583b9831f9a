using System.Buffers.Binary;
using System.IO.Hashing;

namespace Wrenn.HostAgent.Memory;

/// <summary>
/// Writes one memory layer file: pages are added in ascending order, then <see cref="Commit"/>
/// appends the page table, writes the header, flushes to disk and renames the file into place.
/// Until then only a temporary file exists, so a crash never leaves a half-written layer.
/// </summary>
internal sealed class LayerWriter : IDisposable
{
    private readonly string _path;
    private readonly string _temporary;
    private readonly FileStream _file;
    private readonly List<LayerEntry> _entries = [];
    private readonly int _generation;
    private readonly long _memoryBytes;
    private readonly Guid _parentId;
    private long _lastPage = -1;
    private bool _committed;

    public LayerWriter(string path, int generation, long memoryBytes, Guid parentId)
    {
        _path = path;
        _temporary = path + ".tmp";
        _generation = generation;
        _memoryBytes = memoryBytes;
        _parentId = parentId;
        var options = new FileStreamOptions
        {
            Mode = FileMode.Create, Access = FileAccess.ReadWrite, BufferSize = 1 << 20,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        };
        _file = new FileStream(_temporary, options);
        _file.Position = LayerHeader.DataOffset;
    }

    public int DataPages { get; private set; }

    public int ZeroPages { get; private set; }

    /// <summary>Stores new contents for <paramref name="page"/>; an all-zero page is recorded as a zero page.</summary>
    public void Add(uint page, ReadOnlySpan<byte> contents)
    {
        if (contents.IndexOfAnyExcept((byte)0) < 0)
        {
            AddZero(page);
            return;
        }

        Append(new LayerEntry(page, Zero: false, XxHash3.HashToUInt64(contents)));
        _file.Write(contents);
        DataPages++;
    }

    /// <summary>Records that <paramref name="page"/> is now all zeros, whatever the layers below hold.</summary>
    public void AddZero(uint page)
    {
        Append(new LayerEntry(page, Zero: true, 0));
        ZeroPages++;
    }

    /// <summary>Finishes the file and renames it into place; returns its header.</summary>
    public LayerHeader Commit()
    {
        var table = new byte[_entries.Count * LayerHeader.EntrySize];
        for (var i = 0; i < _entries.Count; i++)
        {
            var record = table.AsSpan(i * LayerHeader.EntrySize);
            BinaryPrimitives.WriteUInt32LittleEndian(record, _entries[i].Page);
            BinaryPrimitives.WriteUInt32LittleEndian(record[4..], _entries[i].Zero ? 1u : 0u);
            BinaryPrimitives.WriteUInt64LittleEndian(record[8..], _entries[i].Checksum);
        }

        var header = new LayerHeader(_generation, _memoryBytes, _entries.Count, _file.Position, Guid.NewGuid(), _parentId, XxHash3.HashToUInt64(table));
        _file.Write(table);
        _file.Position = 0;
        _file.Write(header.ToBytes());
        _file.Flush(flushToDisk: true);
        _file.Dispose();
        File.Move(_temporary, _path, overwrite: true);
        _committed = true;
        return header;
    }

    public void Dispose()
    {
        _file.Dispose();
        if (!_committed)
        {
            File.Delete(_temporary);
        }
    }

    private void Append(LayerEntry entry)
    {
        if (entry.Page <= _lastPage || (long)entry.Page * LayerHeader.PageSize >= _memoryBytes)
        {
            throw new ArgumentOutOfRangeException(nameof(entry), "pages must be added in ascending order and inside guest memory");
        }

        _lastPage = entry.Page;
        _entries.Add(entry);
    }
}
