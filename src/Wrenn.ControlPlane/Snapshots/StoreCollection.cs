using Wrenn.ControlPlane.Capsules;
using Wrenn.SnapshotStore;

namespace Wrenn.ControlPlane.Snapshots;

/// <summary>
/// Sweeps the snapshot store now and then (docs/portable-snapshots.md): the manifests no capsule
/// can resume from and no template names go (with what only they referenced: template builds,
/// images), then the chunks none of the rest needs, once they are older than the grace period (an
/// upload in flight has written its chunks but not yet its manifest).
/// </summary>
internal sealed partial class StoreCollection(
    CapsuleStore capsules, TemplateCatalog catalog, ControlPlaneOptions options, TimeProvider time, ILogger<StoreCollection> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.SnapshotStore is not { } settings)
        {
            return;
        }

        var collector = new StoreCollector(ObjectStores.Open(settings.Parse()), time);
        using var timer = new PeriodicTimer(options.StoreCollectionInterval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            try
            {
                var live = (await capsules.StoredSnapshotsAsync(stoppingToken).ConfigureAwait(false))
                    .Select(stored => StoreKeys.Capsule(stored.Id, (int)stored.Generation))
                    .Concat((await catalog.StoredBuildsAsync(stoppingToken).ConfigureAwait(false)).Select(StoreKeys.Template))
                    .ToHashSet(StringComparer.Ordinal);
                var stats = await collector.CollectAsync(live.Contains, options.StoreCollectionGrace, stoppingToken).ConfigureAwait(false);
                LogCollected(logger, stats.ManifestsDeleted, stats.ChunksDeleted, stats.BytesFreed);
            }
            catch (Exception exception) when (exception is StoreUnavailableException or System.Data.Common.DbException or IOException)
            {
                LogCollectionFailed(logger, exception.Message);
            }
        }
    }

    [LoggerMessage(EventId = 4511, Level = LogLevel.Information, Message = "Snapshot store swept: {Manifests} manifests and {Chunks} chunks removed, {Bytes} bytes freed")]
    private static partial void LogCollected(ILogger logger, int manifests, int chunks, long bytes);

    [LoggerMessage(EventId = 4512, Level = LogLevel.Warning, Message = "Sweeping the snapshot store failed ({Reason}); trying again at the next interval")]
    private static partial void LogCollectionFailed(ILogger logger, string reason);
}
