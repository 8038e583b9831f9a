namespace Wrenn.HostAgent.PageServer;

/// <summary>
/// A guest region as the page server currently sees it: where it is mapped in the VMM and which
/// pages of the snapshot memory it holds. Immutable; unmap and remap events replace it.
/// </summary>
internal sealed record ActiveRegion(ulong Base, ulong Size, ulong Offset, ulong PageSize)
{
    private const int Page = 4096;

    public bool IsHuge => PageSize > Page;

    /// <summary>First snapshot page (4 KiB) held by this region.</summary>
    public long FirstPage => (long)(Offset / Page);

    public long EndPage => (long)((Offset + Size) / Page);

    public static ActiveRegion From(GuestRegion region) => new(region.BaseAddress, region.Size, region.Offset, region.BackingPageSize);

    /// <summary>The VMM's address of snapshot page <paramref name="page"/>.</summary>
    public nint AddressOf(long page) => (nint)(Base + ((ulong)page * Page) - Offset);

    /// <summary>What remains of this region once [<paramref name="start"/>, <paramref name="end"/>) is unmapped.</summary>
    public IEnumerable<ActiveRegion> Without(ulong start, ulong end)
    {
        var regionEnd = Base + Size;
        if (end <= Base || start >= regionEnd)
        {
            yield return this;
            yield break;
        }

        if (start > Base)
        {
            yield return this with { Size = start - Base };
        }

        if (end < regionEnd)
        {
            yield return this with { Base = end, Size = regionEnd - end, Offset = Offset + (end - Base) };
        }
    }

    /// <summary>This region after the VMM moved [<paramref name="from"/>, +<paramref name="length"/>) to <paramref name="to"/>.</summary>
    public ActiveRegion Moved(ulong from, ulong to, ulong length) =>
        from == Base && length == Size ? this with { Base = to } : this;
}
