using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Wrenn.HostAgent.Capsules;
using Wrenn.HostAgent.Network;
using Wrenn.HostAgent.Snapshots;

namespace Wrenn.HostAgent.Vmm.Qemu;

/// <summary>
/// Runs capsules as QEMU microvm guests: KVM when it demonstrably works (<see cref="KvmProbe"/>), TCG software emulation
/// otherwise. QEMU runs detached (<see cref="QemuProcess"/>), so capsules survive a host agent restart and are adopted again. With
/// <paramref name="networks"/>, each VM runs in its capsule's network namespace with a network card
/// on its tap device; without, VMs have no network. Unless <paramref name="asRoot"/>, each QEMU drops
/// to an unprivileged identity of its own once it has opened its files (<see cref="VmUsers"/>).
/// </summary>
public sealed partial class QemuDriver(ILogger<QemuDriver> logger, CapsuleNetworks? networks = null, bool asRoot = false) : IVmm
{
    private const string QemuBinary = "qemu-system-x86_64";
    private const string QemuImgBinary = "qemu-img";

    private readonly bool _kvm = KvmProbe.Works(QemuBinary);
    private readonly long _tscKhz = HostCpu.TscKhz();
    private readonly VmCgroups _cgroups = RemovingEmpty(new VmCgroups());
    private readonly VmUsers? _users = asRoot ? null : new VmUsers();
    private int _cgroupsMissingLogged;

    public string Name => "qemu";

    public string Accelerator => _kvm ? "kvm" : "tcg";

    public bool Networked => networks is not null;

    public string TemplateVariant => networks is null ? "" : "net-" + networks.Fingerprint;

    public string DiskFile => QemuFiles.Disk;

    public async Task<IVm> BootAsync(VmSpec spec, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        await CreateOverlayAsync(spec, cancellationToken).ConfigureAwait(false);
        var vm = await StartAsync(spec, incoming: false, cancellationToken).ConfigureAwait(false);
        LogBooted(logger, spec.Directory.Root, vm.Process.Pid, _kvm);
        return vm;
    }

    public async Task<IVm> RestoreAsync(VmSpec spec, SnapshotFiles files, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(files);
        var begun = Stopwatch.GetTimestamp();
        await CreateOverlayAsync(spec, cancellationToken).ConfigureAwait(false);
        var overlaid = Stopwatch.GetTimestamp();
        var vm = await StartAsync(spec, incoming: true, cancellationToken).ConfigureAwait(false);
        try
        {
            var started = Stopwatch.GetTimestamp();
            if (File.Exists(QemuFiles.MemoryIndex(files)))
            {
                GuestRam.RestoreChanges(vm.Process.Pid, spec.Memory.Path, spec.MemoryBytes, QemuFiles.MemoryIndex(files), QemuFiles.MemoryPages(files));
            }

            var written = Stopwatch.GetTimestamp();
            await vm.LoadDeviceStateAsync(files.DeviceState, cancellationToken).ConfigureAwait(false);
            var (overlayMs, startMs, memoryMs, devicesMs) = (Milliseconds(begun, overlaid), Milliseconds(overlaid, started), Milliseconds(started, written), Milliseconds(written, Stopwatch.GetTimestamp()));
            LogRestored(logger, spec.Directory.Root, overlayMs, startMs, memoryMs, devicesMs);
            return vm;
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            await vm.StopAsync(CancellationToken.None).ConfigureAwait(false);
            await vm.DisposeAsync().ConfigureAwait(false);
            throw exception as VmmException ?? new VmmException("restoring the snapshot failed", exception);
        }
    }

    public IReadOnlyList<string> SnapshotFiles(SnapshotFiles files)
    {
        ArgumentNullException.ThrowIfNull(files);
        return [.. QemuFiles.All(files).Where(File.Exists).Select(Path.GetFileName).OfType<string>().Where(name => name != QemuFiles.Disk)];
    }

    /// <summary>
    /// The template's memory is the capsule's base file with its changed pages applied; its disk is
    /// the capsule's overlay flattened onto the raw image, so chains never grow beyond image ←
    /// template disk ← capsule overlay, however many generations of templates follow.
    /// </summary>
    public async Task<string?> FreezeTemplateAsync(VmSpec spec, SnapshotFiles changes, SnapshotFiles target, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(changes);
        ArgumentNullException.ThrowIfNull(target);
        await SparseFiles.CopyAsync(spec.Memory.Path, target.Memory, cancellationToken).ConfigureAwait(false);
        if (File.Exists(QemuFiles.MemoryIndex(changes)))
        {
            GuestRam.ApplyChanges(target.Memory, QemuFiles.MemoryIndex(changes), QemuFiles.MemoryPages(changes), spec.MemoryBytes);
            if (changes == target)
            {
                // Applied: a template's memory is whole.
                File.Delete(QemuFiles.MemoryIndex(changes));
                File.Delete(QemuFiles.MemoryPages(changes));
            }
        }

        var source = QemuFiles.DiskOf(spec.Directory);
        var chain = System.Text.Json.Nodes.JsonNode.Parse(await HostCommand.RunAsync(QemuImgBinary,
            ["info", "--backing-chain", "--output=json", "-U", source], cancellationToken).ConfigureAwait(false))?.AsArray();
        var baseImage = chain?[^1]?["filename"]?.GetValue<string>() ?? throw new VmmException("cannot read the disk's backing chain");
        await HostCommand.RunAsync(QemuImgBinary,
            ["convert", "-q", "-U", "-O", "qcow2", "-B", baseImage, "-F", "raw", source, Path.Combine(target.Root, QemuFiles.Disk)], cancellationToken).ConfigureAwait(false);
        return baseImage;
    }

    /// <summary>The memory base is named in the capsule's state; the overlay's backing file is rewritten in place (no data moves).</summary>
    public async Task RebaseAsync(string disk, SnapshotFiles files, IReadOnlyDictionary<string, string> moved, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(moved);
        // The overlay alone: its backing file is a path of the other host, which may not exist here.
        var info = System.Text.Json.Nodes.JsonNode.Parse(await HostCommand.RunAsync(QemuImgBinary,
            ["info", "--output=json", "-U", disk], cancellationToken).ConfigureAwait(false));
        var backing = info?["backing-filename"]?.GetValue<string>();
        if (backing is not null && moved.TryGetValue(backing, out var here))
        {
            var format = here.EndsWith(".qcow2", StringComparison.Ordinal) ? "qcow2" : "raw";
            await HostCommand.RunAsync(QemuImgBinary, ["rebase", "-q", "-u", "-b", here, "-F", format, disk], cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task<IVm?> AdoptAsync(VmSpec spec, VmmProcess process, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(process);
        if (!process.IsAlive)
        {
            return null;
        }

        var qmp = await QmpClient.ConnectAsync(spec.Directory.QmpSocket, cancellationToken).ConfigureAwait(false);
        return Watched(spec, process, qmp, VmUsers.UidOf(process.Pid) is { } uid && VmUsers.IsVmUser(uid) ? uid : null);
    }

    public async Task StopLeftoverAsync(CapsuleDirectory directory, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(directory);
        if (ReadPidFile(directory) is { } process)
        {
            var uid = VmUsers.UidOf(process.Pid);
            await process.KillAndWaitAsync(cancellationToken).ConfigureAwait(false);
            if (uid is { } user && VmUsers.IsVmUser(user))
            {
                _users?.RemoveExchange(user);
            }
        }

        // In the background: a killed process leaves its group only once reaped, and a start that
        // recovers capsules must not wait for that.
        _ = _cgroups.RemoveAsync(Path.GetFileName(directory.Root));
        if (networks is not null)
        {
            await networks.DeleteIfPresentAsync(Path.GetFileName(directory.Root), cancellationToken).ConfigureAwait(false);
        }
    }

    private static VmCgroups RemovingEmpty(VmCgroups cgroups)
    {
        // Groups of VMMs that ended while no host agent watched them.
        cgroups.RemoveEmpty();
        return cgroups;
    }

    /// <summary>Puts the VMM in a cgroup with the limits of its size (<see cref="VmCgroups"/>); a host without cgroups runs it unlimited, said once.</summary>
    private void Limit(VmSpec spec, VmmProcess process)
    {
        bool placed;
        try
        {
            placed = _cgroups.Place(Path.GetFileName(spec.Directory.Root), process.Pid, spec.Vcpus, spec.MemoryMb);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            LogCgroupFailed(logger, spec.Directory.Root, exception);
            return;
        }

        if (!placed && Interlocked.Exchange(ref _cgroupsMissingLogged, 1) == 0)
        {
            LogNoCgroups(logger);
        }
    }

    /// <summary>
    /// The VM's network namespace and exchange directory go when its VMM does, before the exit is
    /// reported (a resume right after a pause makes them again); its cgroup in the background, as a
    /// killed process leaves it only once reaped.
    /// </summary>
    /// <param name="spec">The VM.</param>
    /// <param name="process">Its QEMU.</param>
    /// <param name="qmp">Its monitor.</param>
    /// <param name="uid">The unprivileged identity QEMU runs as; null when it runs as root.</param>
    private QemuVm Watched(VmSpec spec, VmmProcess process, QmpClient qmp, int? uid)
    {
        var name = Path.GetFileName(spec.Directory.Root);
        var vm = new QemuVm(spec, process, qmp, uid is { } user ? VmUsers.ExchangeOf(user) : spec.Directory.Root,
            spec.Network && networks is not null ? CapsuleNetworks.PathOf(name) : null, async () =>
        {
            if (uid is { } user)
            {
                _users?.RemoveExchange(user);
            }

            if (networks is not null)
            {
                await networks.DeleteIfPresentAsync(name, CancellationToken.None).ConfigureAwait(false);
            }
        });
        _ = vm.Exited.ContinueWith(_ => _cgroups.RemoveAsync(name), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default).Unwrap();
        return vm;
    }

    /// <summary>The capsule's root disk: a qcow2 overlay on its template's image, made once.</summary>
    private static async Task CreateOverlayAsync(VmSpec spec, CancellationToken cancellationToken)
    {
        var disk = QemuFiles.DiskOf(spec.Directory);
        if (File.Exists(disk))
        {
            return;
        }

        var backingFormat = spec.RootImagePath.EndsWith(".qcow2", StringComparison.Ordinal) ? "qcow2" : "raw";
        await HostCommand.RunAsync(QemuImgBinary,
            ["create", "-q", "-f", "qcow2", "-F", backingFormat, "-b", spec.RootImagePath, disk + ".tmp"],
            cancellationToken).ConfigureAwait(false);
        File.Move(disk + ".tmp", disk);
    }

    private async Task<QemuVm> StartAsync(VmSpec spec, bool incoming, CancellationToken cancellationToken)
    {
        var config = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite };
        await using (var file = new StreamWriter(spec.Directory.KernelConfig, new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: false), config))
        {
            await file.WriteAsync(QemuCommandLine.KernelConfig(spec, _tscKhz, networks?.Policy.Resolvers ?? [])).ConfigureAwait(false);
        }

        var network = spec.Network && networks is not null
            ? await networks.CreateAsync(Path.GetFileName(spec.Directory.Root), cancellationToken).ConfigureAwait(false)
            : null;
        VmUserLease? user = null;
        try
        {
            user = _users is null ? null : await _users.AcquireAsync(cancellationToken).ConfigureAwait(false);
            (VmmProcess Process, QmpClient Qmp) started;
            try
            {
                // In the capsule's namespace, where its tap is, when it has one.
                started = await QemuProcess.StartAsync(spec.Directory, QemuBinary, QemuCommandLine.For(spec, _kvm, incoming, tap: network is not null, runAs: user?.Uid),
                    network?.Namespace, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                // Read at start: the secret need not stay on disk beside capsule.json.
                File.Delete(spec.Directory.KernelConfig);
            }

            Limit(spec, started.Process);
            // QEMU runs as the user now: the uid is no longer merely starting.
            user?.Dispose();
            return Watched(spec, started.Process, started.Qmp, user?.Uid);
        }
        catch
        {
            // Whatever was started (a cancelled or failed wait leaves its pidfile).
            if (ReadPidFile(spec.Directory) is { } process)
            {
                await process.KillAndWaitAsync(CancellationToken.None).ConfigureAwait(false);
            }

            if (network is not null)
            {
                await networks!.DeleteAsync(network.Namespace, CancellationToken.None).ConfigureAwait(false);
            }

            if (user is not null)
            {
                _users!.Abandon(user);
            }

            throw;
        }
    }

    private static double Milliseconds(long from, long to) => Stopwatch.GetElapsedTime(from, to).TotalMilliseconds;

    private static VmmProcess? ReadPidFile(CapsuleDirectory directory) => VmmProcess.FromPidFile(directory.PidFile, QemuBinary);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Warning, Message = "This host offers no cgroup with the cpu and memory controllers: capsule VMs run without CPU and memory limits")]
    private static partial void LogNoCgroups(ILogger logger);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Warning, Message = "Limiting the VM in {CapsuleDirectory} with a cgroup failed: it runs without limits")]
    private static partial void LogCgroupFailed(ILogger logger, string capsuleDirectory, Exception exception);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Debug, Message = "Capsule VM in {CapsuleDirectory} restored: disk overlay {OverlayMs:0} ms, network and VMM start {StartMs:0} ms, changed memory {MemoryMs:0} ms, device state {DevicesMs:0} ms")]
    private static partial void LogRestored(ILogger logger, string capsuleDirectory, double overlayMs, double startMs, double memoryMs, double devicesMs);

    [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "Capsule VM in {CapsuleDirectory} booted: QEMU pid {Pid}, KVM {Kvm}")]
    private static partial void LogBooted(ILogger logger, string capsuleDirectory, int pid, bool kvm);
}
