using System.Collections.Concurrent;
using Dapper;
using Grpc.Core;
using Wrenn.Agent.Protocol;
using Wrenn.ControlPlane.Capsules;
using Wrenn.ControlPlane.Storage;
using Wrenn.ControlPlane.Hosts;
using Wrenn.Host.Protocol;

namespace Wrenn.ControlPlane.Usage;

/// <summary>
/// Samples every running capsule's CPU, memory and disk once a second (guest agent Metrics), and
/// every 10 s each team's reserved capacity (running capsules, vCPUs, memory) for stats and usage.
/// </summary>
internal sealed partial class UsageSampler(
    CapsuleHosts hosts, CapsuleStore store, CapsuleMetricsStore metrics, Database database, TimeProvider time, ILogger<UsageSampler> logger)
    : BackgroundService
{
    public static readonly TimeSpan TeamSampleInterval = TimeSpan.FromSeconds(10);
    private readonly ConcurrentDictionary<string, MetricsReply> _previous = new(StringComparer.Ordinal);
    private DateTimeOffset _lastTeamSample;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), time);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            try
            {
                var running = await store.InStatusAsync([Statuses.Running], stoppingToken).ConfigureAwait(false);
                await Task.WhenAll(running.Select(capsule => SampleAsync(capsule, stoppingToken))).ConfigureAwait(false);
                if (time.GetUtcNow() - _lastTeamSample >= TeamSampleInterval)
                {
                    _lastTeamSample = time.GetUtcNow();
                    await SampleTeamsAsync(stoppingToken).ConfigureAwait(false);
                }
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                LogSampleFailed(logger, exception);
            }
        }
    }

    private async Task SampleAsync(CapsuleRecord capsule, CancellationToken cancellationToken)
    {
        if (!CapsuleId.TryParse(capsule.Id, out var id) || hosts.For(capsule).Guest(id) is not { } guest)
        {
            return;
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(TimeSpan.FromSeconds(2));
        MetricsReply reply;
        try
        {
            reply = await guest.Machine.MetricsAsync(new MetricsRequest(), cancellationToken: deadline.Token).ConfigureAwait(false);
        }
        catch (RpcException)
        {
            return; // pausing, busy or gone: no point this second
        }

        var cpu = 0.0;
        if (_previous.TryGetValue(capsule.Id, out var previous) && reply.CpuTotalTicks > previous.CpuTotalTicks)
        {
            var total = reply.CpuTotalTicks - previous.CpuTotalTicks;
            var idle = reply.CpuIdleTicks - Math.Min(reply.CpuIdleTicks, previous.CpuIdleTicks);
            cpu = Math.Clamp(100.0 * (total - Math.Min(idle, total)) / total, 0, 100);
        }

        _previous[capsule.Id] = reply;
        metrics.Add(capsule.Id, new MetricPoint(time.GetUtcNow().ToUnixTimeSeconds(), Math.Round(cpu, 1),
            (long)(reply.MemTotalBytes - Math.Min(reply.MemAvailableBytes, reply.MemTotalBytes)), (long)reply.DiskUsedBytes));
    }

    private async Task SampleTeamsAsync(CancellationToken cancellationToken)
    {
        var running = await store.InStatusAsync([Statuses.Running], cancellationToken).ConfigureAwait(false);
        var at = time.GetUtcNow().ToUnixTimeMilliseconds();
        var rows = running.GroupBy(capsule => capsule.TeamId).Select(team => new
        {
            TeamId = team.Key,
            At = at,
            Running = team.Count(),
            Vcpus = team.Sum(capsule => capsule.Vcpus),
            MemoryMb = team.Sum(capsule => capsule.MemoryMb),
        }).ToList();
        if (rows.Count == 0)
        {
            return;
        }

        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await connection.ExecuteAsync(
            """
            INSERT INTO team_samples (team_id, at, running, vcpus, memory_mb) VALUES (@TeamId, @At, @Running, @Vcpus, @MemoryMb)
            ON CONFLICT (team_id, at) DO UPDATE SET running = excluded.running, vcpus = excluded.vcpus, memory_mb = excluded.memory_mb
            """, rows).ConfigureAwait(false);
    }

    [LoggerMessage(EventId = 4601, Level = LogLevel.Warning, Message = "Sampling capsule usage failed")]
    private static partial void LogSampleFailed(ILogger logger, Exception exception);
}
