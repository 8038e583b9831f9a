using Wrenn.HostAgent.Snapshots;

namespace Wrenn.HostAgent.Memory;

/// <summary>
/// Where each guest page comes from in a chain of layers (base first): the newest layer with an
/// entry for the page wins; a page no layer stores, or whose newest entry is a zero entry, is zero.
/// Built once per restore, then read without locks by the fault and prefetch threads.
/// </summary>
internal sealed class PageMap : IDisposable
{
    private const int SlotBits = 40;
    private const long SlotMask = (1L << SlotBits) - 1;

    // 0: a zero page; otherwise ((layer index + 1) << 40) | data slot in that layer.
    private readonly long[] _sources;
    private readonly MemoryLayer[] _layers;

    public PageMap(IReadOnlyList<MemoryLayer> layers)
    {
        ArgumentNullException.ThrowIfNull(layers);
        if (layers.Count == 0)
        {
            throw new SnapshotException("a memory chain needs at least one layer");
        }

        _layers = [.. layers];
        MemoryBytes = _layers[0].Header.MemoryBytes;
        _sources = new long[MemoryBytes / LayerHeader.PageSize];
        for (var index = 0; index < _layers.Length; index++)
        {
            var layer = _layers[index];
            if (layer.Header.MemoryBytes != MemoryBytes)
            {
                throw new SnapshotException("memory layers of one chain differ in size");
            }

            var slot = 0L;
            foreach (var entry in layer.Entries)
            {
                _sources[entry.Page] = entry.Zero ? 0 : ((long)(index + 1) << SlotBits) | slot++;
            }
        }
    }

    public long MemoryBytes { get; }

    public long Pages => _sources.Length;

    public IReadOnlyList<MemoryLayer> Layers => _layers;

    public bool IsZero(long page) => _sources[page] == 0;

    /// <summary>Address of the stored bytes of a non-zero <paramref name="page"/> in this process.</summary>
    public nint Address(long page)
    {
        var source = _sources[page];
        return _layers[(source >> SlotBits) - 1].DataAddress(source & SlotMask);
    }

    public ReadOnlySpan<byte> Data(long page)
    {
        var source = _sources[page];
        return _layers[(source >> SlotBits) - 1].Data(source & SlotMask);
    }

    /// <summary>Whether a non-zero page's bytes match the checksum stored with them.</summary>
    public bool Verify(long page)
    {
        var source = _sources[page];
        return _layers[(source >> SlotBits) - 1].Verify(source & SlotMask);
    }

    /// <summary>
    /// How many pages from <paramref name="page"/> (at most <paramref name="limit"/>) can be served
    /// in one operation: a run of zero pages, or of pages stored next to each other in one layer.
    /// </summary>
    public int RunLength(long page, int limit)
    {
        var first = _sources[page];
        var length = 1;
        while (length < limit && page + length < _sources.Length)
        {
            var next = _sources[page + length];
            var continues = first == 0 ? next == 0 : next == first + length;
            if (!continues)
            {
                break;
            }

            length++;
        }

        return length;
    }

    public void Dispose()
    {
        foreach (var layer in _layers)
        {
            layer.Dispose();
        }
    }
}
