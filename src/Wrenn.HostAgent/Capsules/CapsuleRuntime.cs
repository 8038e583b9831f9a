using System.Collections.Concurrent;
using System.Security.Cryptography;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Wrenn.Agent.Protocol;
using Wrenn.Host.Protocol;
using Wrenn.HostAgent.Guest;
using Wrenn.HostAgent.Images;
using Wrenn.HostAgent.Portable;
using Wrenn.HostAgent.Snapshots;
using Wrenn.HostAgent.Vmm;

namespace Wrenn.HostAgent.Capsules;

/// <summary>
/// The capsules of this host: creates them (VM boot, agent ready, Init with a fresh secret), adopts
/// the ones an earlier host agent left running, deletes them, and reports VMs that die.
/// </summary>
public sealed partial class CapsuleRuntime(
    RuntimeOptions options, IVmm vmm, GuestImages images, TimeProvider time, ILogger<CapsuleRuntime> logger) : IAsyncDisposable
{
    private readonly ConcurrentDictionary<CapsuleId, Capsule> _capsules = new();
    private readonly TemplateStore _templates = new(options.TemplatesDirectory ?? Path.Combine(options.DataDirectory, "templates"), images, time);

    /// <summary>The snapshot store link: paused capsules and team templates that travel between hosts.</summary>
    public PortableSnapshots Portable => LazyInitializer.EnsureInitialized(ref field, () => new PortableSnapshots(options, vmm, images, _templates, time));

    /// <summary>Sends each pause to the store in the background (<see cref="PortableSnapshots"/>).</summary>
    public SnapshotUploads Uploads => LazyInitializer.EnsureInitialized(ref field, () => new SnapshotUploads(Portable, options, time, logger));

    /// <summary>Raised when a capsule's VM ends without being asked to.</summary>
    public event Action<CapsuleId, VmExit>? Crashed;

    public IReadOnlyCollection<Capsule> Running => _capsules.Values.ToList();

    public Capsule? Find(CapsuleId id) => _capsules.GetValueOrDefault(id);

    /// <summary>The capsule's recorded status on this host when no VM of it is tracked (e.g. paused); null when it has none.</summary>
    public CapsuleStatus? StatusOnDisk(CapsuleId id) => CapsuleState.Load(CapsuleDirectory.For(options.DataDirectory, id))?.Status;

    /// <summary>
    /// Creates a capsule by restoring its template's snapshot copy-on-write (built on first use:
    /// one cold boot per template and VM size). Its memory pages and disk image are shared with
    /// every other capsule of the template until it changes them.
    /// </summary>
    public async Task<Capsule> CreateAsync(CapsuleSpec spec, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var (template, lease) = spec.ColdBoot ? (null, null) : await TemplateSnapshotAsync(spec, cancellationToken).ConfigureAwait(false);
        using var held = lease;
        var id = spec.Id ?? CapsuleId.New();
        var directory = CapsuleDirectory.For(options.DataDirectory, id);
        Directory.CreateDirectory(directory.Root, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        IVm? vm = null;
        Capsule capsule;
        try
        {
            CapsuleState state;
            if (template is null)
            {
                var image = images.Templates.GetValueOrDefault(spec.Template)
                    ?? throw new CapsuleException(CapsuleFailure.UnknownTemplate, $"no template image {spec.Template}");
                state = new CapsuleState(id.Value, spec.Template, spec.Vcpus, spec.MemoryMb, vmm.Name, 0, 0, NewSecret(), null,
                    time.GetUtcNow(), CapsuleStatus.Running, directory.Memory, MemoryShared: true, image.Path, Generation: 0, vmm.Networked);
                CreateSparseFile(directory.Memory, (long)spec.MemoryMb * 1024 * 1024);
                vm = await vmm.BootAsync(SpecFor(directory, state), cancellationToken).ConfigureAwait(false);
            }
            else
            {
                var manifest = template.Manifest;
                state = new CapsuleState(id.Value, spec.Template, manifest.Vcpus, manifest.MemoryMb, vmm.Name, 0, 0, manifest.AgentSecret, null,
                    time.GetUtcNow(), CapsuleStatus.Running, template.Files.Memory, MemoryShared: false, Path.Combine(template.Files.Root, vmm.DiskFile), Generation: 0, manifest.Network,
                    manifest.Defaults);
                vm = await vmm.RestoreAsync(SpecFor(directory, state), template.Files, cancellationToken).ConfigureAwait(false);
            }

            capsule = await StartTrackingAsync(id, directory, state, vm, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogCreateFailed(logger, id.Value, exception);
            await DiscardAsync(vm, directory).ConfigureAwait(false);
            throw exception as CapsuleException ?? new CapsuleException(CapsuleFailure.BootFailed, "capsule start failed", exception);
        }
        catch
        {
            await DiscardAsync(vm, directory).ConfigureAwait(false);
            throw;
        }

        if (lease is { Built: true })
        {
            // The cache grew. The capsule now records the template it maps, so the lease may go
            // first; the capsule runs whatever the eviction meets.
            lease.Dispose();
            await EvictTemplatesAsync().ConfigureAwait(false);
        }

        return capsule;
    }

    /// <summary>
    /// Takes over the capsules whose VMs still run from an earlier host agent, all at once and each
    /// within <see cref="RuntimeOptions.AdoptTimeout"/>, so that no VM can hold up a start. A VM that
    /// does not answer in time is stopped, and so is any VM a crash left untracked (a create or
    /// resume cut short). Returns the capsules that neither run nor are paused now, with the reason.
    /// </summary>
    public async Task<IReadOnlyDictionary<CapsuleId, string>> AdoptAllAsync(CancellationToken cancellationToken)
    {
        _templates.RemoveUnfinished();
        Portable.RemoveUnfinished();
        var recoveries = new List<Task<(CapsuleId Id, string? Failure)>>();
        foreach (var id in OnDisk().Where(id => !_capsules.ContainsKey(id)))
        {
            recoveries.Add(RecoverAsync(id, CapsuleDirectory.For(options.DataDirectory, id), cancellationToken));
        }

        var outcomes = await Task.WhenAll(recoveries).ConfigureAwait(false);
        foreach (var id in OnDisk().Where(id => StatusOnDisk(id) == CapsuleStatus.Paused))
        {
            // A pause whose upload a restart cut short (sent at most once: a stored one is skipped).
            Uploads.Enqueue(id);
        }

        return outcomes.Where(outcome => outcome.Failure is not null).ToDictionary(outcome => outcome.Id, outcome => outcome.Failure!);
    }

    /// <summary>The capsules that have a directory on this host, running or not.</summary>
    public IReadOnlyList<CapsuleId> OnDisk()
    {
        var ids = new List<CapsuleId>();
        if (Directory.Exists(options.CapsulesDirectory))
        {
            foreach (var root in Directory.EnumerateDirectories(options.CapsulesDirectory))
            {
                if (CapsuleId.TryParse(Path.GetFileName(root), out var id))
                {
                    ids.Add(id);
                }
            }
        }

        return ids;
    }

    /// <summary>Stops the capsule's VM if it runs and removes everything it had on disk (snapshots included).</summary>
    public async Task DeleteAsync(CapsuleId id, CancellationToken cancellationToken)
    {
        await Uploads.CancelAsync(id).ConfigureAwait(false);
        if (_capsules.TryRemove(id, out var capsule))
        {
            await capsule.Vm.StopAsync(cancellationToken).ConfigureAwait(false);
            await capsule.DisposeAsync().ConfigureAwait(false);
        }

        var directory = CapsuleDirectory.For(options.DataDirectory, id);
        if (Directory.Exists(directory.Root))
        {
            Directory.Delete(directory.Root, recursive: true);
        }
    }

    /// <summary>Lets go of every capsule without stopping its VM: they are adopted on the next start.</summary>
    public async ValueTask DisposeAsync()
    {
        await Uploads.DisposeAsync().ConfigureAwait(false);
        foreach (var capsule in _capsules.Values)
        {
            await capsule.DisposeAsync().ConfigureAwait(false);
        }

        _capsules.Clear();
    }

    /// <summary>One capsule after a restart: null when it runs or is paused now, else why it does neither.</summary>
    private async Task<(CapsuleId Id, string? Failure)> RecoverAsync(CapsuleId id, CapsuleDirectory directory, CancellationToken cancellationToken)
    {
        string? failure;
        using (var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            deadline.CancelAfter(options.AdoptTimeout);
            try
            {
                failure = await TryRecoverAsync(id, directory, deadline.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                LogAdoptTimedOut(logger, id.Value, options.AdoptTimeout.TotalSeconds);
                failure = $"the VM did not answer within {options.AdoptTimeout.TotalSeconds:0} s of a restart";
            }
        }

        if (_capsules.ContainsKey(id))
        {
            return (id, null);
        }

        // Nothing tracks this capsule now, so no VM of it may run on.
        await vmm.StopLeftoverAsync(directory, cancellationToken).ConfigureAwait(false);
        if (CapsuleState.Load(directory) is { Status: CapsuleStatus.Pausing } pausing)
        {
            // A pause the deadline cut short: with its VM gone, it is finished if its snapshot is.
            failure = (await RecoverPauseAsync(directory, pausing, cancellationToken).ConfigureAwait(false)).Status == CapsuleStatus.Paused ? null : failure;
        }

        return (id, failure);
    }

    private async Task<string?> TryRecoverAsync(CapsuleId id, CapsuleDirectory directory, CancellationToken cancellationToken)
    {
        var state = CapsuleState.Load(directory);
        if (state is { Status: CapsuleStatus.Pausing })
        {
            state = await RecoverPauseAsync(directory, state, cancellationToken).ConfigureAwait(false);
        }

        return state switch
        {
            null => "its state on this host is missing",
            { Status: CapsuleStatus.Paused } => null,
            { Vmm: var driver } when driver != vmm.Name => $"it ran under {driver}, this host runs {vmm.Name}",
            _ => await TryAdoptAsync(id, directory, state, cancellationToken).ConfigureAwait(false) ? null : "its VM had stopped",
        };
    }

    private async Task<bool> TryAdoptAsync(CapsuleId id, CapsuleDirectory directory, CapsuleState state, CancellationToken cancellationToken)
    {
        IVm? vm = null;
        try
        {
            vm = await vmm.AdoptAsync(SpecFor(directory, state), new VmmProcess(state.Pid, state.PidStartTicks), cancellationToken).ConfigureAwait(false);
            if (vm is not { } found)
            {
                return false;
            }

            // An Init cut short by the crash left one of two secrets in the guest.
            foreach (var secret in new[] { state.Secret, state.NextSecret }.OfType<string>())
            {
                var agent = AgentOf(found, id, secret);
                try
                {
                    var health = await agent.WaitReadyAsync(TimeSpan.FromSeconds(15), cancellationToken).ConfigureAwait(false);
                    var capsule = new Capsule(id, state with { Secret = secret, NextSecret = null }, directory, found, agent)
                    {
                        Versions = new GuestVersions(health.AgentVersion, health.KernelVersion),
                    };
                    await capsule.State.SaveAsync(directory, cancellationToken).ConfigureAwait(false);
                    Track(capsule);
                    vm = null;
                    LogAdopted(logger, id.Value, state.Pid);
                    return true;
                }
                catch (RpcException exception) when (AgentErrors.CodeOf(exception) == AgentErrorCode.Unauthenticated)
                {
                    agent.Dispose();
                }
                catch
                {
                    agent.Dispose();
                    throw;
                }
            }

            LogAdoptFailed(logger, id.Value, null);
            return false;
        }
        catch (Exception exception) when (exception is IOException or System.Net.Sockets.SocketException)
        {
            LogAdoptFailed(logger, id.Value, exception);
            return false;
        }
        finally
        {
            // Not adopted: let go of it here; the caller stops its process.
            if (vm is not null)
            {
                await vm.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Init is the first call into a started or resumed guest: it waits for the agent link as a
    /// readiness call would, and its reply names the guest's versions, so the guest pays for one
    /// cold round trip instead of two. A VM that ends meanwhile fails the start at once.
    /// </summary>
    private async Task InitOrExitAsync(Capsule capsule, CancellationToken cancellationToken)
    {
        var init = InitAsync(capsule, cancellationToken);
        if (await Task.WhenAny(init, capsule.Exited).ConfigureAwait(false) != init)
        {
            var exit = await capsule.Exited.ConfigureAwait(false);
            throw new CapsuleException(CapsuleFailure.BootFailed, $"VM ended during boot: {exit.Reason}");
        }

        capsule.Versions = await init.ConfigureAwait(false);
    }

    /// <summary>Sets the guest clock and identity and replaces the agent secret, crash-safely.</summary>
    private async Task<GuestVersions> InitAsync(Capsule capsule, CancellationToken cancellationToken)
    {
        var next = NewSecret();
        var pending = capsule.State with { NextSecret = next };
        await pending.SaveAsync(capsule.Directory, cancellationToken).ConfigureAwait(false);
        var request = new InitRequest
        {
            NewSecret = next,
            UnixTimeNs = (time.GetUtcNow() - DateTimeOffset.UnixEpoch).Ticks * 100,
            CapsuleId = capsule.Id.Value,
            Template = capsule.State.Template,
            Hostname = capsule.Id.Value,
            Entropy = Google.Protobuf.ByteString.CopyFrom(RandomNumberGenerator.GetBytes(64)),
            DefaultUser = capsule.State.Defaults?.User ?? string.Empty,
        };
        foreach (var (key, value) in capsule.State.Defaults?.Environment ?? new Dictionary<string, string>())
        {
            request.DefaultEnv[key] = value;
        }

        var versions = await SendInitAsync(capsule, request, cancellationToken).ConfigureAwait(false);
        capsule.Agent.UseSecret(next);
        capsule.State = pending with { Secret = next, NextSecret = null };
        await capsule.State.SaveAsync(capsule.Directory, cancellationToken).ConfigureAwait(false);
        return versions;
    }

    private static readonly TimeSpan InitAttemptTimeout = TimeSpan.FromSeconds(20);

    /// <summary>
    /// Sends Init, retrying on a fresh connection when the link fails under it (or is not there
    /// yet: Init is the first call). A retry that is refused for its secret means the lost attempt
    /// did take effect. Returns the guest's versions.
    /// </summary>
    private static async Task<GuestVersions> SendInitAsync(Capsule capsule, InitRequest request, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            // A call lost on a wedged connection would otherwise wait forever: each attempt has a
            // deadline, and the next one goes over a fresh connection.
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(InitAttemptTimeout);
            try
            {
                var reply = await capsule.Agent.Machine.InitAsync(request, cancellationToken: deadline.Token).ConfigureAwait(false);
                return new GuestVersions(reply.AgentVersion, reply.KernelVersion);
            }
            catch (RpcException exception) when (attempt > 1 && AgentErrors.CodeOf(exception) == AgentErrorCode.Unauthenticated)
            {
                capsule.Agent.UseSecret(request.NewSecret);
                var health = await capsule.Agent.WaitReadyAsync(TimeSpan.FromSeconds(10), cancellationToken).ConfigureAwait(false);
                return new GuestVersions(health.AgentVersion, health.KernelVersion);
            }
            catch (RpcException exception) when (attempt < 3 && !cancellationToken.IsCancellationRequested
                && exception.StatusCode is StatusCode.Unavailable or StatusCode.Internal or StatusCode.Cancelled or StatusCode.DeadlineExceeded
                && exception.Status.DebugException is not AgentLinkOutdatedException)
            {
                // A fresh connection: its session replaces the old one in the guest.
                capsule.Agent.Reconnect();
            }
            catch (RpcException exception)
            {
                throw new CapsuleException(CapsuleFailure.AgentFailed, "guest agent init failed", exception);
            }
        }
    }

    private void Track(Capsule capsule)
    {
        _capsules[capsule.Id] = capsule;
        _ = capsule.Exited.ContinueWith(
            exited => exited.Result.Expected ? Task.CompletedTask : OnCrashedAsync(capsule, exited.Result),
            CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default).Unwrap();
    }

    /// <summary>A VM that ended on its own: what it held (agent link, page server session, network) is released, then reported.</summary>
    private async Task OnCrashedAsync(Capsule capsule, VmExit exit)
    {
        // This capsule only: a newer VM of the same id (after a resume) stays tracked.
        if (!_capsules.TryRemove(new KeyValuePair<CapsuleId, Capsule>(capsule.Id, capsule)))
        {
            return;
        }

        LogCrashed(logger, capsule.Id.Value, exit.Reason);
        try
        {
            await capsule.DisposeAsync().ConfigureAwait(false);
            await vmm.StopLeftoverAsync(capsule.Directory, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or VmmException)
        {
            LogReleaseFailed(logger, capsule.Id.Value, exception);
        }

        Crashed?.Invoke(capsule.Id, exit);
    }

    private static async Task DiscardAsync(IVm? vm, CapsuleDirectory directory)
    {
        if (vm is not null)
        {
            await vm.StopAsync(CancellationToken.None).ConfigureAwait(false);
            await vm.DisposeAsync().ConfigureAwait(false);
        }

        if (Directory.Exists(directory.Root))
        {
            Directory.Delete(directory.Root, recursive: true);
        }
    }

    private static string NewSecret() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));

    [LoggerMessage(EventId = 1001, Level = LogLevel.Warning, Message = "Creating capsule {CapsuleId} failed")]
    private static partial void LogCreateFailed(ILogger logger, string capsuleId, Exception exception);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Information, Message = "Adopted capsule {CapsuleId} (VMM pid {Pid})")]
    private static partial void LogAdopted(ILogger logger, string capsuleId, int pid);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Warning, Message = "Could not adopt capsule {CapsuleId}")]
    private static partial void LogAdoptFailed(ILogger logger, string capsuleId, Exception? exception);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Error, Message = "Capsule {CapsuleId} died: {Reason}")]
    private static partial void LogCrashed(ILogger logger, string capsuleId, string reason);

    [LoggerMessage(EventId = 1006, Level = LogLevel.Warning, Message = "Releasing what the dead VM of capsule {CapsuleId} held failed")]
    private static partial void LogReleaseFailed(ILogger logger, string capsuleId, Exception exception);

    [LoggerMessage(EventId = 1005, Level = LogLevel.Warning, Message = "Capsule {CapsuleId} did not answer within {Seconds} s of the start: its VM is stopped")]
    private static partial void LogAdoptTimedOut(ILogger logger, string capsuleId, double seconds);
}
