namespace Wrenn.HostAgent.Snapshots;

/// <summary>A built-in template snapshot held from eviction while a capsule is made from it.</summary>
/// <param name="snapshot">The snapshot.</param>
/// <param name="built">Whether it was built for this lease (the cache grew).</param>
/// <param name="release">Ends the hold.</param>
public sealed class TemplateLease(TemplateSnapshot snapshot, bool built, Action release) : IDisposable
{
    private int _released;

    public TemplateSnapshot Snapshot { get; } = snapshot;

    public bool Built { get; } = built;

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _released, 1) == 0)
        {
            release();
        }
    }
}
