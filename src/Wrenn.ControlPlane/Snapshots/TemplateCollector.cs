using Wrenn.ControlPlane.Hosts;
using Wrenn.Host.Protocol;

namespace Wrenn.ControlPlane.Snapshots;

/// <summary>
/// Removes the host files of team templates that nothing needs any more: no team's template points
/// to them and no capsule maps them. A capsule created from a template maps its memory and disk, so
/// deleting or replacing a template's name leaves its files until the last such capsule is deleted.
/// Runs at start, after a template is deleted or replaced and after a capsule is deleted; a snapshot
/// being made holds it off until its template row is written.
/// </summary>
internal sealed partial class TemplateCollector(TemplateCatalog catalog, CapsuleHosts hosts, ILogger<TemplateCollector> logger) : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>Runs <paramref name="save"/> (a snapshot and its row) while no collection can run.</summary>
    public async Task<T> WhileSavingAsync<T>(Func<Task<T>> save, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(save);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await save().ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>After a capsule made from <paramref name="template"/> is deleted: it may have been the last to map a deleted team template.</summary>
    public Task AfterCapsuleDeletedAsync(string template) =>
        catalog.IsPlatform(template) ? Task.CompletedTask : CollectAsync(CancellationToken.None);

    public async Task CollectAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var kept = await catalog.RuntimeNamesAsync(cancellationToken).ConfigureAwait(false);
            foreach (var host in hosts.All)
            {
                try
                {
                    foreach (var removed in await host.RemoveUnusedTemplatesAsync(kept, cancellationToken).ConfigureAwait(false))
                    {
                        LogRemoved(logger, removed);
                    }
                }
                catch (HostUnavailableException exception)
                {
                    // Collected on a later run, once the host answers again.
                    LogHostUnavailable(logger, exception);
                }
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose() => _gate.Dispose();

    [LoggerMessage(EventId = 4801, Level = LogLevel.Information, Message = "Removed the files of template {Template}: no template points to it and no capsule maps it")]
    private static partial void LogRemoved(ILogger logger, string template);

    [LoggerMessage(EventId = 4802, Level = LogLevel.Warning, Message = "Unused templates of a host were not collected: the host is unavailable")]
    private static partial void LogHostUnavailable(ILogger logger, Exception exception);
}
