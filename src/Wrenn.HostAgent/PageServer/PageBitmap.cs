namespace Wrenn.HostAgent.PageServer;

/// <summary>One bit per guest page, set and cleared atomically: shared by the fault and prefetch threads without locks.</summary>
internal sealed class PageBitmap(long pages)
{
    private readonly long[] _words = new long[(pages + 63) / 64];

    /// <summary>Sets the bit; true when this call set it (it was clear).</summary>
    public bool TrySet(long page)
    {
        var mask = 1L << (int)(page & 63);
        return (Interlocked.Or(ref _words[page >> 6], mask) & mask) == 0;
    }

    public bool IsSet(long page) => (Volatile.Read(ref _words[page >> 6]) & (1L << (int)(page & 63))) != 0;

    public void Clear(long page) => Interlocked.And(ref _words[page >> 6], ~(1L << (int)(page & 63)));
}
