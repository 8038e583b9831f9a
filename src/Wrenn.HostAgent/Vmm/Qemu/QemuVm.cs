using System.Net.Sockets;
using System.Text.Json.Nodes;
using Wrenn.Agent.Protocol.Link;
using Wrenn.HostAgent.Capsules;
using Wrenn.HostAgent.Guest;
using Wrenn.HostAgent.Snapshots;

namespace Wrenn.HostAgent.Vmm.Qemu;

/// <summary>
/// One detached QEMU process (started in a session of its own, so it outlives the host agent) and
/// this host agent's connections to it. A closed QMP connection means QEMU is gone.
/// </summary>
internal sealed class QemuVm : IVm
{
    // A running guest answers a Hello within milliseconds (a few hundred under load). A connection
    // not answered in this time is replaced: QEMU can drop a connection's open event, after which
    // it discards that connection's bytes (docs/agent-link.md).
    private static readonly TimeSpan AgentAnswerLimit = TimeSpan.FromSeconds(2);

    private readonly VmSpec _spec;
    private readonly CapsuleDirectory _directory;
    private readonly QmpClient _qmp;
    private readonly CancellationTokenSource _lifetime = new();
    private readonly Task _console;
    private readonly Func<Task> _released;
    private readonly string _exchange;
    private volatile bool _stopping;

    /// <param name="spec">The VM.</param>
    /// <param name="process">Its QEMU process.</param>
    /// <param name="qmp">The QMP connection to it.</param>
    /// <param name="exchange">Where QEMU can create files while it runs (its <see cref="VmUsers"/> exchange directory, or the capsule's own when it runs as root).</param>
    /// <param name="networkNamespace">Path of the namespace holding the VM's tap; null without a network card.</param>
    /// <param name="released">Releases what the VM held on the host once its process is gone; <see cref="Exited"/> completes after it.</param>
    public QemuVm(VmSpec spec, VmmProcess process, QmpClient qmp, string exchange, string? networkNamespace, Func<Task> released)
    {
        NetworkNamespace = networkNamespace;
        _spec = spec;
        _exchange = exchange;
        _released = released;
        var directory = spec.Directory;
        _directory = directory;
        _qmp = qmp;
        Process = process;
        _console = ConsoleLog.CopyAsync(directory.ConsoleSocket, directory.ConsoleLog, _lifetime.Token);
        Exited = WatchAsync();
    }

    public VmmProcess Process { get; }

    public Task<VmExit> Exited { get; }

    public string? NetworkNamespace { get; }

    internal QmpClient Qmp => _qmp;

    /// <summary>
    /// Connects to the agent's virtio-serial port and opens a new session on its framed link: the
    /// port outlives connections and snapshots, so each connection names itself with a fresh epoch
    /// and waits for the guest to take it up (docs/agent-link.md).
    /// </summary>
    public async ValueTask<Stream> ConnectAgentAsync(CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(_directory.AgentSocket), cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        return await AgentLinkStream.OpenAsync(new NetworkStream(socket, ownsSocket: true), LinkEpoch.New(), AgentAnswerLimit, cancellationToken).ConfigureAwait(false);
    }

    public async Task SnapshotAsync(SnapshotFiles files, bool keepRunning, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(files);
        await _qmp.ExecuteAsync("stop", null, cancellationToken).ConfigureAwait(false);
        try
        {
            // Device state only: RAM is either the shared memory file already, or the base file
            // plus the changed pages saved next. QEMU writes where it may, the host agent moves it.
            var saved = Path.Combine(_exchange, "devices.state");
            await _qmp.ExecuteAsync("xen-save-devices-state", new JsonObject { ["filename"] = saved, ["live"] = false }, cancellationToken).ConfigureAwait(false);
            File.Move(saved, files.DeviceState, overwrite: true);
            if (!_spec.Memory.Shared)
            {
                GuestRam.DumpChanges(Process.Pid, _spec.Memory.Path, _spec.MemoryBytes, QemuFiles.MemoryIndex(files), QemuFiles.MemoryPages(files));
            }

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
    }

    public Task ContinueAsync(CancellationToken cancellationToken) => _qmp.ExecuteAsync("cont", null, cancellationToken);

    /// <summary>
    /// Loads a device-state file into a VM started for an incoming snapshot, then runs it. QEMU
    /// listens on a socket in its exchange directory and the host agent streams the file into it
    /// (QEMU may not spawn a process that would read the file itself).
    /// </summary>
    internal async Task LoadDeviceStateAsync(string path, CancellationToken cancellationToken)
    {
        var socketPath = Path.Combine(_exchange, "incoming.sock");
        File.Delete(socketPath);
        await _qmp.ExecuteAsync("migrate-incoming", new JsonObject { ["uri"] = "unix:" + socketPath }, cancellationToken).ConfigureAwait(false);
        try
        {
            using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancellationToken).ConfigureAwait(false);
            await using (var stream = new NetworkStream(socket, ownsSocket: false))
            await using (var file = File.OpenRead(path))
            {
                await file.CopyToAsync(stream, cancellationToken).ConfigureAwait(false);
            }

            socket.Shutdown(SocketShutdown.Send);
            await WaitIncomingAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            File.Delete(socketPath);
        }

        // QEMU 7.2 leaves the guest paused when the saved VM was stopped: run it explicitly.
        await ContinueAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task WaitIncomingAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var status = (await _qmp.ExecuteAsync("query-migrate", null, cancellationToken).ConfigureAwait(false))?["status"]?.GetValue<string>();
            if (status == "completed")
            {
                return;
            }

            if (status is "failed" or "cancelled")
            {
                throw new VmmException("loading the device state failed");
            }

            await Task.Delay(5, cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _stopping = true;
        if (!Exited.IsCompleted)
        {
            try
            {
                using var quitTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                quitTimeout.CancelAfter(TimeSpan.FromSeconds(2));
                await _qmp.ExecuteAsync("quit", new JsonObject(), quitTimeout.Token).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is IOException or QmpException or OperationCanceledException)
            {
                // QEMU is wedged or already leaving: the kill below settles it.
            }
        }

        if (!await WaitGoneAsync(TimeSpan.FromSeconds(5), cancellationToken).ConfigureAwait(false))
        {
            Process.Kill();
            await WaitGoneAsync(TimeSpan.FromSeconds(5), cancellationToken).ConfigureAwait(false);
        }

        await Exited.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await _lifetime.CancelAsync().ConfigureAwait(false);
        await _qmp.DisposeAsync().ConfigureAwait(false);
        await _console.ConfigureAwait(false);
        _lifetime.Dispose();
    }

    private async Task<VmExit> WatchAsync()
    {
        await _qmp.Closed.ConfigureAwait(false);
        // The QMP socket also closes when this host agent disposes the VM on shutdown while QEMU
        // keeps running; only a process that is really gone counts as an exit. A stop kills QEMU
        // after 5 s of waiting for it to quit, and waits 5 s more.
        if (!await WaitGoneAsync(TimeSpan.FromSeconds(_stopping ? 12 : 2), CancellationToken.None).ConfigureAwait(false))
        {
            return new VmExit(Expected: true, _stopping ? "stopped" : "detached");
        }

        // Before the exit is reported: whoever awaits it (a pause, then a resume) may set the
        // same things up again at once.
        await _released().ConfigureAwait(false);
        if (_stopping)
        {
            return new VmExit(Expected: true, "stopped");
        }

        var console = ConsoleLog.Tail(_directory.ConsoleLog);
        return new VmExit(Expected: false, console.Contains("Kernel panic", StringComparison.Ordinal)
            ? "guest kernel panic"
            : "vmm exited unexpectedly");
    }

    private async Task<bool> WaitGoneAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        while (Process.IsAlive)
        {
            if (Environment.TickCount64 > deadline)
            {
                return false;
            }

            await Task.Delay(20, cancellationToken).ConfigureAwait(false);
        }

        return true;
    }
}
