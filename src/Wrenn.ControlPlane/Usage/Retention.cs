using Wrenn.ControlPlane.Capsules;

namespace Wrenn.ControlPlane.Usage;

/// <summary>
/// Hourly housekeeping: stopped and failed capsules are forgotten after the retention period
/// (spec §3.5), team samples after the longest usage window, and the in-memory metrics of
/// capsules that are no longer live.
/// </summary>
internal sealed partial class Retention(
    CapsuleStore store, TeamSamples samples, CapsuleMetricsStore metrics, ControlPlaneOptions options, TimeProvider time, ILogger<Retention> logger)
    : BackgroundService
{
    private static readonly TimeSpan UsageWindow = TimeSpan.FromDays(92);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromHours(1), time);
        do
        {
            try
            {
                var now = time.GetUtcNow();
                var purged = await store.PurgeAsync((now - options.Retention).ToUnixTimeMilliseconds(), stoppingToken).ConfigureAwait(false);
                await samples.PurgeAsync((now - UsageWindow).ToUnixTimeMilliseconds(), stoppingToken).ConfigureAwait(false);
                foreach (var ended in await store.InStatusAsync([Statuses.Stopped, Statuses.Error], stoppingToken).ConfigureAwait(false))
                {
                    metrics.Forget(ended.Id);
                }

                LogPurged(logger, purged);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                LogFailed(logger, exception);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    [LoggerMessage(EventId = 4701, Level = LogLevel.Debug, Message = "Retention: forgot {Count} ended capsules")]
    private static partial void LogPurged(ILogger logger, int count);

    [LoggerMessage(EventId = 4702, Level = LogLevel.Warning, Message = "Retention housekeeping failed")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
