using Wrenn.ControlPlane.Api;
using Wrenn.ControlPlane.Identity;
using Wrenn.ControlPlane.Snapshots;

namespace Wrenn.ControlPlane.E2b;

/// <summary>
/// Deletes the captures of E2B forks that a control plane stopped in the middle of a fork left
/// behind (<see cref="SandboxSnapshots.ForkAsync"/> deletes its own as soon as its forks start):
/// at start and every <see cref="Interval"/>, those older than <see cref="Age"/>, which no fork
/// still starting can be using — a create gives up well before.
/// </summary>
internal sealed partial class ForkCaptureSweep(TemplateCatalog catalog, SnapshotTemplates templates, TimeProvider time, ILogger<ForkCaptureSweep> logger)
    : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromMinutes(15);

    private static readonly TimeSpan Age = TimeSpan.FromHours(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        do
        {
            try
            {
                await SweepAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (Exception failure) when (failure is not OperationCanceledException)
            {
                // The database or a host was away: the next pass tries again, and the server runs on.
                LogSweepFailed(logger, failure);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    public async Task SweepAsync(CancellationToken cancellationToken)
    {
        var before = (time.GetUtcNow() - Age).ToUnixTimeMilliseconds();
        foreach (var capture in await catalog.ForkCapturesAsync(before, cancellationToken).ConfigureAwait(false))
        {
            try
            {
                await templates.DeleteAsync(Caller.System(new TeamId(capture.TeamId)), capture.Name, cancellationToken).ConfigureAwait(false);
                LogSwept(logger, capture.Name);
            }
            catch (ApiException gone) when (gone.Code == ApiErrorCode.NotFound)
            {
                // Another control plane swept it first.
            }
        }
    }

    [LoggerMessage(EventId = 4992, Level = LogLevel.Warning, Message = "Sweeping the captures stopped forks left failed; the next pass tries again")]
    private static partial void LogSweepFailed(ILogger logger, Exception failure);

    [LoggerMessage(EventId = 4991, Level = LogLevel.Information, Message = "Deleted the fork capture {Template} a stopped fork left behind")]
    private static partial void LogSwept(ILogger logger, string template);
}
