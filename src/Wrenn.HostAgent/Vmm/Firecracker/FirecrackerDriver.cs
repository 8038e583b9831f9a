using System.Text.Json;
using Microsoft.Extensions.Logging;
using Wrenn.HostAgent.Capsules;
using Wrenn.HostAgent.Memory;
using Wrenn.HostAgent.Network;
using Wrenn.HostAgent.PageServer;
using Wrenn.HostAgent.Snapshots;
using Wrenn.Linux.FileSystem;

namespace Wrenn.HostAgent.Vmm.Firecracker;

/// <summary>
/// Runs capsules as Firecracker microVMs on KVM hosts (operator guide: docs/firecracker.md): each
/// in its own network namespace, under the jailer when configured, reached over vsock; restored
/// from layered memory served lazily by Wrenn's UFFD page server (docs/memory-layers.md).
/// </summary>
public sealed partial class FirecrackerDriver(
    FirecrackerOptions options, CapsuleNetworks networks, PageServer.PageServer pageServer, ILogger<FirecrackerDriver> logger) : IVmm
{
    private static readonly TimeSpan ApiTimeout = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan ConnectLimit = TimeSpan.FromSeconds(10);
    private const string NetworkFile = "network.json";
    private const string MemoryFile = "memory.json";

    public string Name => "firecracker";

    public bool Networked => true;

    public string TemplateVariant => "firecracker-" + networks.Fingerprint;

    public string DiskFile => FirecrackerFiles.Disk;

    public async Task<IVm> BootAsync(VmSpec spec, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var (root, vm) = await LaunchAsync(spec, startSession: null, memory: null, cancellationToken).ConfigureAwait(false);
        try
        {
            Place(spec.KernelPath, root.OutsidePath("vmlinux"));
            Place(spec.InitrdPath, root.OutsidePath("initrd.img"));
            var api = vm.Api;
            await api.PutAsync("boot-source", FirecrackerRequests.BootSource(root.InsidePath("vmlinux"), root.InsidePath("initrd.img"), KernelArguments(spec)), cancellationToken).ConfigureAwait(false);
            await api.PutAsync("drives/rootfs", FirecrackerRequests.RootDrive(root.InsidePath("rootfs.ext4")), cancellationToken).ConfigureAwait(false);
            await api.PutAsync("machine-config", FirecrackerRequests.MachineConfig(spec.Vcpus, spec.MemoryMb), cancellationToken).ConfigureAwait(false);
            await api.PutAsync("vsock", FirecrackerRequests.Vsock(root.InsidePath("vsock.sock")), cancellationToken).ConfigureAwait(false);
            await api.PutAsync("network-interfaces/" + FirecrackerRequests.Interface,
                FirecrackerRequests.NetworkInterface(CapsuleNetwork.TapName, CapsuleNetwork.GuestMac), cancellationToken).ConfigureAwait(false);
            await api.PutAsync("entropy", FirecrackerRequests.Entropy(), cancellationToken).ConfigureAwait(false);
            await api.PutAsync("actions", FirecrackerRequests.Action("InstanceStart"), cancellationToken).ConfigureAwait(false);
            LogBooted(logger, spec.Directory.Root, vm.Process.Pid, root.Jailed);
            return vm;
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            await DiscardAsync(vm).ConfigureAwait(false);
            throw exception as VmmException ?? new VmmException("booting the Firecracker VM failed", exception);
        }
    }

    public async Task<IVm> RestoreAsync(VmSpec spec, SnapshotFiles files, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(files);
        var memory = MemoryChain.Load(FirecrackerFiles.MemoryChain(files));
        var workingSet = WorkingSet.Load(FirecrackerFiles.WorkingSet(files));
        var (root, vm) = await LaunchAsync(spec, root => pageServer.Start(root.OutsidePath("uffd.sock"), memory, workingSet, options.PageServer),
            memory, cancellationToken).ConfigureAwait(false);
        try
        {
            // A copy, not a link: under the jailer the VMM's user must own it, and the snapshot's own file stays Wrenn's.
            File.Copy(files.DeviceState, root.OutsidePath("snapshot.state"), overwrite: true);
            await GrantJailAsync(root, ["snapshot.state"], cancellationToken).ConfigureAwait(false);
            var version = await VersionAsync(vm.Api, cancellationToken).ConfigureAwait(false);
            await vm.Api.PutAsync("snapshot/load",
                FirecrackerRequests.LoadSnapshot(root.InsidePath("snapshot.state"), root.InsidePath("uffd.sock"), version), cancellationToken).ConfigureAwait(false);
            await vm.Session!.Connected.WaitAsync(ConnectLimit, cancellationToken).ConfigureAwait(false);
            File.Delete(root.OutsidePath("snapshot.state"));
            memory.Save(root.OutsidePath(MemoryFile));
            await vm.ContinueAsync(cancellationToken).ConfigureAwait(false);
            LogRestored(logger, spec.Directory.Root, vm.Process.Pid, memory.Layers.Count);
            return vm;
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            await DiscardAsync(vm).ConfigureAwait(false);
            throw exception as VmmException ?? new VmmException("restoring the Firecracker snapshot failed", exception);
        }
    }

    public IReadOnlyList<string> SnapshotFiles(SnapshotFiles files)
    {
        ArgumentNullException.ThrowIfNull(files);
        var named = new[] { files.DeviceState, FirecrackerFiles.MemoryChain(files), FirecrackerFiles.WorkingSet(files), files.Memory }.Where(File.Exists);
        var layers = Directory.EnumerateFiles(files.Root, "*" + FirecrackerFiles.LayerExtension);
        return [.. named.Concat(layers).Select(Path.GetFileName).OfType<string>()];
    }

    /// <summary>
    /// The template keeps the capsule's memory chain, its own layers linked into the template (a
    /// template's layers stay shared in place), and a copy of its raw disk.
    /// </summary>
    public async Task<string?> FreezeTemplateAsync(VmSpec spec, SnapshotFiles changes, SnapshotFiles target, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(changes);
        ArgumentNullException.ThrowIfNull(target);
        await SparseFiles.CopyAsync(spec.Memory.Path, target.Memory, cancellationToken).ConfigureAwait(false);
        MemoryChain.Load(FirecrackerFiles.MemoryChain(changes)).WithOwnLayersIn(target.Root, spec.Directory.Root).Save(FirecrackerFiles.MemoryChain(target));
        await SparseFiles.CopyAsync(FirecrackerFiles.DiskOf(spec.Directory), Path.Combine(target.Root, FirecrackerFiles.Disk), cancellationToken).ConfigureAwait(false);
        return null;
    }

    /// <summary>A raw disk stands alone; the memory chain names the layers of the template it sits on by path.</summary>
    public Task RebaseAsync(string disk, SnapshotFiles files, IReadOnlyDictionary<string, string> moved, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(moved);
        var path = FirecrackerFiles.MemoryChain(files);
        var chain = MemoryChain.Load(path);
        (chain with { Layers = [.. chain.Layers.Select(layer => moved.TryGetValue(layer.Path, out var here) ? layer with { Path = here } : layer)] }).Save(path);
        return Task.CompletedTask;
    }

    /// <summary>
    /// Takes over a VM left by an earlier host agent. A restored VM whose memory was still being
    /// loaded cannot be: its page server went away with that host agent, so it is ended instead.
    /// </summary>
    public async Task<IVm?> AdoptAsync(VmSpec spec, VmmProcess process, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(process);
        var root = VmRoot.For(options, spec.Directory.Root);
        var network = ReadNetwork(root);
        var restored = File.Exists(root.OutsidePath(MemoryFile));
        if (!process.IsAlive || network is null || (restored && !File.Exists(root.OutsidePath(FirecrackerVm.LoadedMarker))))
        {
            process.Kill();
            if (network is not null)
            {
                await networks.DeleteAsync(network.Namespace, cancellationToken).ConfigureAwait(false);
            }

            return null;
        }

        var api = new FirecrackerApi(root.Api, ApiTimeout);
        await api.GetAsync("", cancellationToken).ConfigureAwait(false);
        return new FirecrackerVm(spec, root, process, api, network, networks, session: null,
            restored ? MemoryChain.Load(root.OutsidePath(MemoryFile)) : null, logger);
    }

    public async Task StopLeftoverAsync(CapsuleDirectory directory, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(directory);
        var root = VmRoot.For(options, directory.Root);
        if (VmmProcess.FromPidFile(root.PidFile, Path.GetFileName(options.Firecracker)) is { } process)
        {
            await process.KillAndWaitAsync(cancellationToken).ConfigureAwait(false);
        }

        // The namespace is made before the process and its record after: look for it by name.
        await networks.DeleteIfPresentAsync(root.Id, cancellationToken).ConfigureAwait(false);

        root.Remove();
    }

    /// <summary>
    /// Network, disk and process of a new VM, and its page server session when it is to be restored
    /// (started once the VM's root exists, since its socket lives there); nothing is configured
    /// through the API yet. On failure nothing is left behind.
    /// </summary>
    private async Task<(VmRoot Root, FirecrackerVm Vm)> LaunchAsync(VmSpec spec, Func<VmRoot, PageServerSession>? startSession, MemoryChain? memory, CancellationToken cancellationToken)
    {
        var root = VmRoot.For(options, spec.Directory.Root);
        await CloneDiskAsync(spec, cancellationToken).ConfigureAwait(false);
        var network = await networks.CreateAsync(root.Id, cancellationToken).ConfigureAwait(false);
        VmmProcess? process = null;
        PageServerSession? session = null;
        try
        {
            if (!root.Jailed)
            {
                Directory.CreateDirectory(root.Outside);
            }

            process = await FirecrackerProcess.StartAsync(options, root, network, Path.Combine(spec.Directory.Root, "console.log"), cancellationToken).ConfigureAwait(false);
            Place(FirecrackerFiles.DiskOf(spec.Directory), root.OutsidePath("rootfs.ext4"));
            await File.WriteAllTextAsync(root.OutsidePath(NetworkFile), JsonSerializer.Serialize(network), cancellationToken).ConfigureAwait(false);
            session = startSession?.Invoke(root);
            await GrantJailAsync(root, session is null ? ["rootfs.ext4"] : ["rootfs.ext4", "uffd.sock"], cancellationToken).ConfigureAwait(false);

            return (root, new FirecrackerVm(spec, root, process, new FirecrackerApi(root.Api, ApiTimeout), network, networks, session, memory, logger));
        }
        catch
        {
            process?.Kill();
            if (session is not null)
            {
                await session.DisposeAsync().ConfigureAwait(false);
            }

            await networks.DeleteAsync(network.Namespace, CancellationToken.None).ConfigureAwait(false);
            root.Remove();
            throw;
        }
    }

    /// <summary>
    /// The capsule's root disk: a copy of its template's raw image, made once. On filesystems with
    /// reflinks (XFS, btrfs) it shares every block until written; elsewhere it is a sparse copy.
    /// </summary>
    private static async Task CloneDiskAsync(VmSpec spec, CancellationToken cancellationToken)
    {
        var disk = FirecrackerFiles.DiskOf(spec.Directory);
        if (File.Exists(disk))
        {
            return;
        }

        await HostCommand.RunAsync("cp", ["--reflink=auto", "--sparse=always", spec.RootImagePath, disk + ".tmp"], cancellationToken).ConfigureAwait(false);
        File.Move(disk + ".tmp", disk);
    }

    /// <summary>
    /// Puts a file into the VM's root: a hard link when on the same filesystem, a copy otherwise.
    /// Shared read-only inputs (kernel, initramfs) are linked but never handed to the jail's user.
    /// </summary>
    private static void Place(string source, string target)
    {
        File.Delete(target);
        if (!HardLink.TryCreate(source, target))
        {
            File.Copy(source, target);
        }
    }

    /// <summary>
    /// A jailed VMM runs unprivileged: it must own what it writes (its disk, the page server's socket,
    /// the snapshot state it loads). Only those, never links to shared files: chown acts on the inode.
    /// </summary>
    private async Task GrantJailAsync(VmRoot root, string[] names, CancellationToken cancellationToken)
    {
        if (root.Jailed)
        {
            await HostCommand.RunAsync("chown", [$"{options.JailUid}:{options.JailGid}", .. names.Select(root.OutsidePath)], cancellationToken).ConfigureAwait(false);
        }
    }

    private static CapsuleNetwork? ReadNetwork(VmRoot root)
    {
        try
        {
            return JsonSerializer.Deserialize<CapsuleNetwork>(File.ReadAllText(root.OutsidePath(NetworkFile)));
        }
        catch (Exception exception) when (exception is IOException or JsonException)
        {
            return null;
        }
    }

    private static async Task<Version> VersionAsync(FirecrackerApi api, CancellationToken cancellationToken)
    {
        var info = await api.GetAsync("", cancellationToken).ConfigureAwait(false);
        var text = info["vmm_version"]?.GetValue<string>() ?? "";
        return Version.TryParse(text.Split('-')[0], out var version) ? version : new Version(1, 0);
    }

    private string KernelArguments(VmSpec spec)
    {
        return string.Join(' ', new[]
        {
            "console=ttyS0", "reboot=k", "panic=1", "pci=off", "quiet", "loglevel=4", "cryptomgr.notests", "nokaslr", "root=/dev/vda",
            $"wrenn.secret={spec.AgentSecret}", $"wrenn.link=vsock:{FirecrackerRequests.AgentPort}",
        }.Concat(CapsuleNetwork.KernelArguments(networks.Policy.Resolvers)));
    }

    private static async Task DiscardAsync(FirecrackerVm vm)
    {
        await vm.StopAsync(CancellationToken.None).ConfigureAwait(false);
        await vm.DisposeAsync().ConfigureAwait(false);
    }

    [LoggerMessage(EventId = 2102, Level = LogLevel.Information, Message = "Capsule VM in {CapsuleDirectory} booted: Firecracker pid {Pid}, jailed {Jailed}")]
    private static partial void LogBooted(ILogger logger, string capsuleDirectory, int pid, bool jailed);

    [LoggerMessage(EventId = 2103, Level = LogLevel.Information, Message = "Capsule VM in {CapsuleDirectory} restored: Firecracker pid {Pid}, memory from {Layers} layers")]
    private static partial void LogRestored(ILogger logger, string capsuleDirectory, int pid, int layers);
}
