namespace Wrenn.HostAgent.PageServer;

/// <summary>Counters of one page server session, updated with interlocked adds (read them any time).</summary>
public sealed class PageServerStats
{
    internal long FaultCount;
    internal long CopiedPageCount;
    internal long ZeroPageCount;
    internal long PrefetchedPageCount;
    internal long RemovedPageCount;
    internal long EventCount;

    public long Faults => Interlocked.Read(ref FaultCount);

    public long CopiedPages => Interlocked.Read(ref CopiedPageCount);

    public long ZeroPages => Interlocked.Read(ref ZeroPageCount);

    public long PrefetchedPages => Interlocked.Read(ref PrefetchedPageCount);

    public long RemovedPages => Interlocked.Read(ref RemovedPageCount);

    /// <summary>Non-fault events handled (remove, unmap, remap, fork).</summary>
    public long Events => Interlocked.Read(ref EventCount);
}
