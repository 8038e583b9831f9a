using Microsoft.Extensions.Logging;
using Wrenn.HostAgent.Memory;
using Wrenn.HostAgent.Network;
using Wrenn.HostAgent.PageServer;
using Wrenn.HostAgent.Snapshots;

namespace Wrenn.HostAgent.Vmm.Firecracker;

/// <summary>
/// One Firecracker process and what the host agent holds for it: its API client, its network, and
/// (after a restore) the page server session serving its memory and the chain of layers it serves.
/// </summary>
internal sealed partial class FirecrackerVm : IVm
{
    /// <summary>Written into the VM's root once its memory is fully loaded: from then on it survives a host agent restart.</summary>
    public const string LoadedMarker = "memory.loaded";

    private readonly VmSpec _spec;
    private readonly VmRoot _root;
    private readonly FirecrackerApi _api;
    private readonly CapsuleNetwork _network;
    private readonly CapsuleNetworks _networks;
    private readonly PageServerSession? _session;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _lifetime = new();
    private MemoryChain? _memory;
    private bool _fullSnapshotNext;
    private volatile bool _stopping;

    public FirecrackerVm(VmSpec spec, VmRoot root, VmmProcess process, FirecrackerApi api, CapsuleNetwork network, CapsuleNetworks networks,
        PageServerSession? session, MemoryChain? memory, ILogger logger)
    {
        _spec = spec;
        _root = root;
        _api = api;
        _network = network;
        _networks = networks;
        _session = session;
        _memory = memory;
        _logger = logger;
        Process = process;
        Exited = WatchAsync();
    }

    public VmmProcess Process { get; }

    public Task<VmExit> Exited { get; }

    public string? NetworkNamespace => _network.NamespacePath;

    internal FirecrackerApi Api => _api;

    /// <summary>The page server session serving this VM's memory (restored VMs only).</summary>
    internal PageServerSession? Session => _session;

    public ValueTask<Stream> ConnectAgentAsync(CancellationToken cancellationToken) =>
        VsockConnector.ConnectAsync(_root.OutsidePath("vsock.sock"), FirecrackerRequests.AgentPort, cancellationToken);

    /// <summary>
    /// Pauses the VM and saves it: device state, and memory as a new layer on the chain it was
    /// restored from (a Diff snapshot: only pages dirtied since then) or, for a booted VM or after a
    /// failed snapshot, as a base layer (a Full snapshot). Returns 0: no memory.index/memory.pages, the layers are verified by
    /// their own checksums.
    /// </summary>
    public async Task SnapshotAsync(SnapshotFiles files, bool keepRunning, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(files);
        await _api.PatchAsync("vm", FirecrackerRequests.VmState("Paused"), cancellationToken).ConfigureAwait(false);
        var rawMemory = _root.OutsidePath("snapshot.mem");
        try
        {
            var diff = _memory is not null && !_fullSnapshotNext;
            // Firecracker resets its dirty page tracking with every snapshot it writes: if turning this
            // one into a layer fails, the pages it held are in no layer, and only a Full snapshot is safe.
            _fullSnapshotNext = true;
            await _api.PutAsync("snapshot/create",
                FirecrackerRequests.CreateSnapshot(diff, _root.InsidePath("snapshot.state"), _root.InsidePath("snapshot.mem")), cancellationToken).ConfigureAwait(false);
            File.Move(_root.OutsidePath("snapshot.state"), files.DeviceState, overwrite: true);
            var layer = Path.Combine(files.Root, $"memory-{Guid.NewGuid():N}{FirecrackerFiles.LayerExtension}");
            var memory = diff ? MemoryLayers.AppendDiff(_memory!.WithOwnLayersIn(files.Root, _spec.Directory.Root), rawMemory, layer) : MemoryLayers.WriteBase(rawMemory, layer);
            memory.Save(FirecrackerFiles.MemoryChain(files));
            WorkingSet.Save(FirecrackerFiles.WorkingSet(files), _session?.FaultedPages ?? []);
            _memory = memory;
            _fullSnapshotNext = false;
            if (keepRunning)
            {
                await ContinueAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        catch
        {
            await ContinueAsync(CancellationToken.None).ConfigureAwait(false);
            throw;
        }
        finally
        {
            File.Delete(rawMemory);
        }
    }

    public Task ContinueAsync(CancellationToken cancellationToken) =>
        _api.PatchAsync("vm", FirecrackerRequests.VmState("Resumed"), cancellationToken);

    /// <summary>Ends the VMM (Firecracker has no graceful quit that needs no guest help), then its network, page server session and root.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _stopping = true;
        Process.Kill();
        while (Process.IsAlive)
        {
            await Task.Delay(20, cancellationToken).ConfigureAwait(false);
        }

        await Exited.WaitAsync(cancellationToken).ConfigureAwait(false);
        await _networks.DeleteAsync(_network.Namespace, cancellationToken).ConfigureAwait(false);
        if (_session is not null)
        {
            await _session.DisposeAsync().ConfigureAwait(false);
        }

        _root.Remove();
    }

    public async ValueTask DisposeAsync()
    {
        await _lifetime.CancelAsync().ConfigureAwait(false);
        await Exited.ConfigureAwait(false);
        _api.Dispose();
        _lifetime.Dispose();
    }

    private async Task<VmExit> WatchAsync()
    {
        var loaded = false;
        try
        {
            while (Process.IsAlive)
            {
                if (_session is { Completion.IsFaulted: true })
                {
                    // Memory that cannot be served (a damaged layer): the guest would hang on its next fault.
                    Process.Kill();
                    return new VmExit(Expected: false, "guest memory could not be served");
                }

                if (!loaded && _session is { FullyLoaded: true })
                {
                    await File.WriteAllTextAsync(_root.OutsidePath(LoadedMarker), "", _lifetime.Token).ConfigureAwait(false);
                    loaded = true;
                    LogMemoryLoaded(_logger, _spec.Directory.Root, _session.Stats.Faults, _session.Stats.PrefetchedPages);
                }

                await Task.Delay(100, _lifetime.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            return new VmExit(Expected: true, "detached");
        }

        return _stopping ? new VmExit(Expected: true, "stopped") : new VmExit(Expected: false, "vmm exited unexpectedly");
    }

    [LoggerMessage(EventId = 2101, Level = LogLevel.Information, Message = "Capsule VM in {CapsuleDirectory}: memory fully loaded ({Faults} faults, {Prefetched} pages prefetched)")]
    private static partial void LogMemoryLoaded(ILogger logger, string capsuleDirectory, long faults, long prefetched);
}
