using System.Net;
using Wrenn.HostAgent.Hosting;

namespace Wrenn.Server.Agent;

/// <summary>
/// Takes over the VMs an earlier run left, then tells the control plane every 10 s that this host is
/// alive and how full it is (§7.4). An expired host token is renewed with the refresh token.
/// </summary>
internal sealed partial class AgentHeartbeat(
    AgentIdentity identity, LocalCapsuleHost host, ControlPlaneClient controlPlane, TimeProvider time, ILogger<AgentHeartbeat> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var inventory = await host.InventoryAsync(stoppingToken).ConfigureAwait(false);
        LogAdopted(logger, inventory.Running.Count, inventory.Paused.Count);
        using var timer = new PeriodicTimer(Interval, time);
        do
        {
            try
            {
                await BeatAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is HttpRequestException or InvalidOperationException or TaskCanceledException && !stoppingToken.IsCancellationRequested)
            {
                LogBeatFailed(logger, exception);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    private async Task BeatAsync(CancellationToken cancellationToken)
    {
        var status = await SendAsync(cancellationToken).ConfigureAwait(false);
        if (status == HttpStatusCode.Unauthorized)
        {
            await identity.RefreshAsync(controlPlane.Http, cancellationToken).ConfigureAwait(false);
            status = await SendAsync(cancellationToken).ConfigureAwait(false);
        }

        if (status != HttpStatusCode.NoContent)
        {
            throw new InvalidOperationException($"heartbeat answered {(int)status}");
        }
    }

    private async Task<HttpStatusCode> SendAsync(CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"v1/hosts/{identity.Current.HostId}/heartbeat")
        {
            Content = JsonContent.Create(new { capsules_running = host.RunningCount, memory_mb_used = host.RunningMemoryMb, disk_gb_used = host.DiskGbUsed }),
        };
        request.Headers.Add("X-Host-Token", identity.Current.HostToken);
        using var reply = await controlPlane.Http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        return reply.StatusCode;
    }

    [LoggerMessage(EventId = 6001, Level = LogLevel.Information, Message = "Host agent started: {Running} capsules running, {Paused} paused")]
    private static partial void LogAdopted(ILogger logger, int running, int paused);

    [LoggerMessage(EventId = 6002, Level = LogLevel.Warning, Message = "Heartbeat to the control plane failed")]
    private static partial void LogBeatFailed(ILogger logger, Exception exception);
}
