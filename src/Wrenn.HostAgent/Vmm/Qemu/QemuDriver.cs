using System.Globalization;
using Microsoft.Extensions.Logging;
using Wrenn.HostAgent.Capsules;

namespace Wrenn.HostAgent.Vmm.Qemu;

/// <summary>
/// Runs capsules as QEMU microvm guests: KVM when it demonstrably works (<see cref="KvmProbe"/>), TCG software emulation
/// otherwise. QEMU daemonizes, so capsules survive a host agent restart and are adopted again.
/// </summary>
public sealed partial class QemuDriver(ILogger<QemuDriver> logger) : IVmm
{
    private const string QemuBinary = "qemu-system-x86_64";
    private const string QemuImgBinary = "qemu-img";

    private readonly bool _kvm = KvmProbe.Works(QemuBinary);
    private readonly long _tscKhz = HostCpu.TscKhz();

    public string Name => "qemu";

    public string Accelerator => _kvm ? "kvm" : "tcg";

    public async Task<IVm> BootAsync(VmSpec spec, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var directory = spec.Directory;
        await HostCommand.RunAsync(QemuImgBinary,
            ["create", "-q", "-f", "qcow2", "-F", "raw", "-b", spec.RootImagePath, directory.Disk],
            cancellationToken).ConfigureAwait(false);

        // -daemonize returns once QEMU has created its sockets and detached into its own session.
        await HostCommand.RunAsync(QemuBinary, QemuCommandLine.For(spec, _kvm, _tscKhz), cancellationToken).ConfigureAwait(false);
        var process = ReadPidFile(directory) ?? throw new VmmException("QEMU started but left no live pid");
        try
        {
            var qmp = await QmpClient.ConnectAsync(directory.QmpSocket, cancellationToken).ConfigureAwait(false);
            LogBooted(logger, directory.Root, process.Pid, _kvm);
            return new QemuVm(directory, process, qmp);
        }
        catch
        {
            process.Kill();
            throw;
        }
    }

    public async Task<IVm?> AdoptAsync(CapsuleDirectory directory, VmmProcess process, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(process);
        if (!process.IsAlive)
        {
            return null;
        }

        var qmp = await QmpClient.ConnectAsync(directory.QmpSocket, cancellationToken).ConfigureAwait(false);
        return new QemuVm(directory, process, qmp);
    }

    private static VmmProcess? ReadPidFile(CapsuleDirectory directory) =>
        int.TryParse(File.ReadAllText(directory.PidFile).Trim(), CultureInfo.InvariantCulture, out var pid) ? VmmProcess.Find(pid) : null;

    [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "Capsule VM in {CapsuleDirectory} booted: QEMU pid {Pid}, KVM {Kvm}")]
    private static partial void LogBooted(ILogger logger, string capsuleDirectory, int pid, bool kvm);
}
