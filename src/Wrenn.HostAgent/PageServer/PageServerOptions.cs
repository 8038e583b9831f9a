namespace Wrenn.HostAgent.PageServer;

/// <summary>How a page server session serves a VM's memory.</summary>
/// <param name="FaultChunkPages">Pages served per fault (aligned around it): 1 gives the lowest latency, more trades latency for fewer faults.</param>
/// <param name="PrefetchChunkPages">Pages per background copy (512 = 2 MiB).</param>
/// <param name="PrefetchAll">After the recorded working set, load the rest of memory in the background, so the VM stops depending on the page server.</param>
public sealed record PageServerOptions(int FaultChunkPages = 1, int PrefetchChunkPages = 512, bool PrefetchAll = true)
{
    /// <summary>Most faulted pages recorded as a capsule's working set (1 GiB of 4 KiB pages).</summary>
    public const int MaxRecordedPages = 262_144;
}
