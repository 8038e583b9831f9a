using Wrenn.ControlPlane.Identity;
using Wrenn.Host.Protocol;

namespace Wrenn.ControlPlane.Hosts;

/// <summary>
/// The host agent <c>wrenn serve</c> runs in its own process, as a <c>regular</c> host: its id is
/// kept in <c>&lt;data&gt;/host-id</c> so a restart is the same host; at start its row is created or
/// updated with this machine's capacity, and it heartbeats every
/// <see cref="ControlPlaneOptions.HostHeartbeatInterval"/> like a remote agent would, so the
/// liveness check treats it like any host while the server runs.
/// </summary>
internal sealed partial class LocalHost(HostStore store, HostMonitor monitor, Accounts accounts, ControlPlaneOptions options, TimeProvider time,
    ILogger<LocalHost> logger)
    : BackgroundService
{
    /// <summary>The address shown for the in-process host: it is reached by method calls, not the network.</summary>
    public const string Address = "in-process";

    public const string IdFileName = "host-id";

    private HostId? _id;

    /// <summary>The in-process host's id, known once the server has started; null when it has none (<see cref="ControlPlaneOptions.InProcessHost"/>).</summary>
    public HostId? Id => _id;

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!options.InProcessHost)
        {
            return;
        }

        var id = await EnsureLocalAsync(cancellationToken).ConfigureAwait(false);
        _id = id;
        await base.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Creates or refreshes the in-process host's row and heartbeats once (it is online from here on).</summary>
    public async Task<HostId> EnsureLocalAsync(CancellationToken cancellationToken)
    {
        var id = await ReadOrCreateIdAsync(cancellationToken).ConfigureAwait(false);
        var team = await accounts.FirstTeamAsync(cancellationToken).ConfigureAwait(false);
        await store.EnsureLocalAsync(id, Capacity(), team is null ? null : new TeamId(team.Id), NowMs(), cancellationToken).ConfigureAwait(false);
        await monitor.HeartbeatAsync(id, await UsageAsync(id, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        LogRegistered(logger, id.Value);
        return id;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (Id is not { } id)
        {
            return;
        }

        // Well within the liveness threshold, even a short one (tests): this host must never look silent.
        var interval = TimeSpan.FromTicks(Math.Min(options.HostHeartbeatInterval.Ticks, options.HostHeartbeatTimeout.Ticks / 3));
        using var timer = new PeriodicTimer(interval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            try
            {
                if (!await monitor.HeartbeatAsync(id, await UsageAsync(id, stoppingToken).ConfigureAwait(false), stoppingToken).ConfigureAwait(false))
                {
                    // An admin deleted it: it comes back (with the same id), as at the next start.
                    await EnsureLocalAsync(stoppingToken).ConfigureAwait(false);
                }
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                LogHeartbeatFailed(logger, exception);
            }
        }
    }

    private long NowMs() => time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>This machine: its cores, its memory and the size of the file system holding the data directory.</summary>
    private HostCapacity Capacity()
    {
        var machine = ThisMachine.Of(options.DataDirectory);
        return new HostCapacity(Address, machine.Arch, machine.CpuCores, machine.MemoryMb, machine.DiskGb);
    }

    private async Task<HostUsage> UsageAsync(HostId id, CancellationToken cancellationToken)
    {
        var (running, memoryMb) = await store.RunningOnAsync(id, cancellationToken).ConfigureAwait(false);
        var drive = new DriveInfo(options.DataDirectory);
        return new HostUsage(running, memoryMb, (drive.TotalSize - drive.AvailableFreeSpace) >> 30);
    }

    /// <summary>The id from <c>host-id</c>, or a new one written there first (via a rename, so a crash never leaves half an id).</summary>
    private async Task<HostId> ReadOrCreateIdAsync(CancellationToken cancellationToken)
    {
        var path = Path.Combine(options.DataDirectory, IdFileName);
        if (File.Exists(path) && HostId.TryParse((await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false)).Trim(), out var existing))
        {
            return existing;
        }

        var id = HostId.New();
        await File.WriteAllTextAsync(path + ".tmp", id.Value + "\n", cancellationToken).ConfigureAwait(false);
        File.Move(path + ".tmp", path, overwrite: true);
        return id;
    }

    [LoggerMessage(EventId = 4965, Level = LogLevel.Information, Message = "In-process host {Host} is online")]
    private static partial void LogRegistered(ILogger logger, string host);

    [LoggerMessage(EventId = 4966, Level = LogLevel.Warning, Message = "The in-process host's heartbeat failed")]
    private static partial void LogHeartbeatFailed(ILogger logger, Exception exception);
}
