using Microsoft.Extensions.Logging;
using Wrenn.Agent.Protocol;
using Wrenn.Host.Protocol;
using Wrenn.HostAgent.Guest;
using Wrenn.HostAgent.Images;
using Wrenn.Recipes;
using Wrenn.HostAgent.Snapshots;
using Wrenn.HostAgent.Vmm;

namespace Wrenn.HostAgent.Capsules;

/// <summary>Pause, resume, template snapshots and snapshots of capsules (design: docs/snapshots.md).</summary>
public sealed partial class CapsuleRuntime
{
    /// <summary>
    /// Pauses a running capsule: its device state, and its memory changes when its RAM is a
    /// template's, go to snapshots/gen-N (manifest last), then its VMM process ends. If saving
    /// fails the capsule keeps running, unchanged.
    /// </summary>
    /// <returns>The generation of the snapshot (its upload to the store follows in the background).</returns>
    public async Task<int> PauseAsync(CapsuleId id, CancellationToken cancellationToken)
    {
        var capsule = Find(id) ?? throw NotRunning(id);
        try
        {
            await Portable.ProbeAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (SnapshotStore.StoreUnavailableException exception)
        {
            // A snapshot that could never leave this host is not what a pause promises with a store.
            throw new CapsuleException(CapsuleFailure.StoreUnavailable, "the snapshot store cannot be reached; the capsule is still running", exception);
        }

        var generation = capsule.State.Generation + 1;
        var files = capsule.Directory.Generation(generation);
        var running = capsule.State;
        try
        {
            RecreateDirectory(files.Root);
            capsule.State = running with { Status = CapsuleStatus.Pausing };
            await capsule.State.SaveAsync(capsule.Directory, cancellationToken).ConfigureAwait(false);
            capsule.Agent.Suspend();
            await capsule.Vm.SnapshotAsync(files, keepRunning: false, cancellationToken).ConfigureAwait(false);
            try
            {
                ManifestFor(capsule.State, files).Save(files);
            }
            catch
            {
                await capsule.Vm.ContinueAsync(CancellationToken.None).ConfigureAwait(false);
                throw;
            }
        }
        catch (Exception exception)
        {
            // The VM runs on (SnapshotAsync continues it on failure or cancellation). Undo what can
            // be undone, the agent link first; if even that fails (a full disk), a restart's pause
            // recovery continues the VM too.
            capsule.Agent.Unsuspend();
            capsule.State = running;
            try
            {
                if (Directory.Exists(files.Root))
                {
                    Directory.Delete(files.Root, recursive: true);
                }

                await running.SaveAsync(capsule.Directory, CancellationToken.None).ConfigureAwait(false);
            }
            catch (IOException cleanup)
            {
                LogPauseCleanupFailed(logger, id.Value, cleanup);
            }

            if (exception is OperationCanceledException)
            {
                throw;
            }

            throw new CapsuleException(CapsuleFailure.PauseFailed, "saving the snapshot failed; the capsule is still running", exception);
        }

        _capsules.TryRemove(id, out _);
        await capsule.Vm.StopAsync(cancellationToken).ConfigureAwait(false);
        await capsule.DisposeAsync().ConfigureAwait(false);
        await CommitPauseAsync(capsule.Directory, capsule.State, generation, cancellationToken).ConfigureAwait(false);
        Uploads.Enqueue(id);
        return generation;
    }

    /// <summary>
    /// Resumes a paused capsule in a new VMM process from its latest snapshot: changed pages and
    /// device state loaded, the rest of memory lazily; then the clock is set and the secret rotated.
    /// </summary>
    /// <param name="id">The capsule.</param>
    /// <param name="cancellationToken">Cancels the resume.</param>
    /// <param name="eagerMemory">Load all RAM before the guest runs (for comparison in benchmarks).</param>
    /// <param name="stored">The pause generation to bring from the snapshot store when this host does not hold it (it was paused elsewhere).</param>
    public async Task<Capsule> ResumeAsync(CapsuleId id, CancellationToken cancellationToken, bool eagerMemory = false, int? stored = null)
    {
        if (Find(id) is { } running)
        {
            return running;
        }

        // Its files are about to change: an upload still reading them stops.
        await Uploads.CancelAsync(id).ConfigureAwait(false);
        var directory = CapsuleDirectory.For(options.DataDirectory, id);
        if (stored is { } generation && (CapsuleState.Load(directory) is not { Status: CapsuleStatus.Paused } held || held.Generation != generation))
        {
            await ImportAsync(id, generation, cancellationToken).ConfigureAwait(false);
        }

        var state = CapsuleState.Load(directory) ?? throw new CapsuleException(CapsuleFailure.NotFound, "no such capsule");
        if (state.Status != CapsuleStatus.Paused)
        {
            throw new CapsuleException(CapsuleFailure.WrongState, "capsule is not paused");
        }

        var files = directory.Generation(state.Generation);
        SnapshotManifest manifest;
        try
        {
            manifest = SnapshotManifest.Load(files);
        }
        catch (SnapshotException exception)
        {
            throw new CapsuleException(CapsuleFailure.SnapshotCorrupt, "the capsule's snapshot is missing or damaged", exception);
        }

        IVm vm;
        try
        {
            var spec = SpecFor(directory, state);
            spec = spec with { Memory = spec.Memory with { Prealloc = eagerMemory } };
            vm = await vmm.RestoreAsync(spec, files, cancellationToken).ConfigureAwait(false);
        }
        catch (SnapshotException exception)
        {
            // Found by the driver (a Firecracker snapshot's memory layers): still paused, nothing changed.
            throw new CapsuleException(CapsuleFailure.SnapshotCorrupt, "the capsule's snapshot is missing or damaged", exception);
        }
        catch (VmmException exception)
        {
            throw new CapsuleException(CapsuleFailure.ResumeFailed, "the VM could not be started from the snapshot", exception);
        }

        try
        {
            return await StartTrackingAsync(id, directory, state with { Status = CapsuleStatus.Running, Secret = manifest.AgentSecret }, vm, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            await vm.StopAsync(CancellationToken.None).ConfigureAwait(false);
            await vm.DisposeAsync().ConfigureAwait(false);
            await (state with { Pid = 0 }).SaveAsync(directory, CancellationToken.None).ConfigureAwait(false);
            throw exception as CapsuleException ?? new CapsuleException(CapsuleFailure.ResumeFailed, "the resumed capsule did not answer", exception);
        }
    }

    /// <summary>Brings a capsule paused on another host from the store; failures are the capsule's typed ones.</summary>
    private async Task ImportAsync(CapsuleId id, int generation, CancellationToken cancellationToken)
    {
        try
        {
            var stats = await Portable.ImportCapsuleAsync(id, generation, cancellationToken).ConfigureAwait(false);
            LogImported(logger, id.Value, generation, stats.BytesTransferred, stats.RawBytes);
        }
        catch (Exception exception) when (exception is SnapshotStore.SnapshotCorruptException or SnapshotException)
        {
            throw new CapsuleException(CapsuleFailure.SnapshotCorrupt, "the capsule's snapshot in the store is missing or damaged", exception);
        }
        catch (SnapshotStore.StoreUnavailableException exception)
        {
            throw new CapsuleException(CapsuleFailure.StoreUnavailable, "the snapshot store cannot be reached", exception);
        }
    }

    /// <summary>
    /// Makes a new template, <paramref name="name"/>, from a running or paused capsule: its memory,
    /// processes and disk as they are now. A running capsule is stopped only while its state is
    /// copied and then goes on as it was.
    /// </summary>
    /// <param name="id">The capsule.</param>
    /// <param name="name">The new template's name on this host.</param>
    /// <param name="defaults">What capsules of the template get by default; null: the capsule's own.</param>
    /// <param name="cancellationToken">Cancels the copy.</param>
    public async Task<TemplateSnapshot> SnapshotToTemplateAsync(CapsuleId id, string name, GuestDefaults? defaults, CancellationToken cancellationToken)
    {
        if (_templates.IsBuiltIn(name) || _templates.FindNamed(name) is not null)
        {
            throw new CapsuleException(CapsuleFailure.WrongState, "a template with that name exists");
        }

        var capsule = Find(id);
        var directory = capsule?.Directory ?? CapsuleDirectory.For(options.DataDirectory, id);
        var state = capsule?.State ?? CapsuleState.Load(directory) ?? throw new CapsuleException(CapsuleFailure.NotFound, "no such capsule");
        return await _templates.GetOrBuildAsync(name, async (staging, final, token) =>
        {
            string? rootImage;
            if (capsule is not null)
            {
                capsule.Agent.Suspend();
                try
                {
                    await capsule.Vm.SnapshotAsync(staging, keepRunning: false, token).ConfigureAwait(false);
                    try
                    {
                        rootImage = await vmm.FreezeTemplateAsync(SpecFor(directory, state), staging, staging, token).ConfigureAwait(false);
                    }
                    finally
                    {
                        await capsule.Vm.ContinueAsync(CancellationToken.None).ConfigureAwait(false);
                    }
                }
                finally
                {
                    capsule.Agent.Unsuspend();
                }
            }
            else
            {
                var source = directory.Generation(state.Generation);
                SnapshotManifest.Load(source);
                File.Copy(source.DeviceState, staging.DeviceState);
                rootImage = await vmm.FreezeTemplateAsync(SpecFor(directory, state), source, staging, token).ConfigureAwait(false);
            }

            var frozen = state with { MemoryPath = final.Memory, MemoryShared = false, Defaults = defaults ?? state.Defaults };
            (ManifestFor(frozen, staging, NewBuildId()) with { RootImage = rootImage }).Save(staging);
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Sends a template just made from a capsule to the snapshot store, so that creates from it
    /// work on every host; its build id when it is there, null when there is no store or it cannot
    /// be reached (the template then serves this host only).
    /// </summary>
    public async Task<string?> TryStoreTemplateAsync(TemplateSnapshot template, CancellationToken cancellationToken)
    {
        if (!Portable.Configured)
        {
            return null;
        }

        try
        {
            return await Portable.ExportTemplateAsync(template, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is SnapshotStore.StoreUnavailableException or IOException)
        {
            LogTemplateNotStored(logger, template.Name, exception);
            return null;
        }
    }

    /// <summary>Whether the paused capsule's latest pause is in the snapshot store.</summary>
    public bool IsStored(CapsuleId id)
    {
        var directory = CapsuleDirectory.For(options.DataDirectory, id);
        return CapsuleState.Load(directory) is { Status: CapsuleStatus.Paused } state && Portable.IsStored(directory, state.Generation);
    }

    /// <summary>Whether a template made from a capsule (<see cref="SnapshotToTemplateAsync"/>) exists under <paramref name="name"/>.</summary>
    public bool HasNamedTemplate(string name) => _templates.FindNamed(name) is not null;

    /// <summary>The snapshot a capsule of <paramref name="spec"/> is made from; a built-in one is leased until the capsule records it.</summary>
    private async Task<(TemplateSnapshot Snapshot, TemplateLease? Lease)> TemplateSnapshotAsync(CapsuleSpec spec, CancellationToken cancellationToken)
    {
        try
        {
            if (images.Templates.TryGetValue(spec.Template, out var image))
            {
                var key = TemplateStore.KeyFor(image, spec.Vcpus, spec.MemoryMb, vmm.TemplateVariant);
                var lease = await _templates.LeaseBuiltInAsync(key, (staging, final, token) => BuildTemplateAsync(spec, image, staging, final, token), cancellationToken)
                    .ConfigureAwait(false);
                return (lease.Snapshot, lease);
            }

            var named = _templates.FindNamed(spec.Template);
            if (spec.TemplateBuild is { } build && named?.Manifest.BuildId != build)
            {
                // Made on another host (or this name's earlier build is what is here): from the store.
                return (await Portable.TemplateAsync(build, cancellationToken).ConfigureAwait(false), null);
            }

            return (named ?? throw new CapsuleException(CapsuleFailure.UnknownTemplate, $"no template {spec.Template}"), null);
        }
        catch (Exception exception) when (exception is SnapshotException or SnapshotStore.SnapshotCorruptException)
        {
            throw new CapsuleException(CapsuleFailure.SnapshotCorrupt, "the template's snapshot is missing or damaged", exception);
        }
        catch (SnapshotStore.StoreUnavailableException exception)
        {
            throw new CapsuleException(CapsuleFailure.StoreUnavailable, "the snapshot store cannot be reached", exception);
        }
        catch (Exception exception) when (exception is not CapsuleException and not OperationCanceledException)
        {
            throw new CapsuleException(CapsuleFailure.BootFailed, "building the template snapshot failed", exception);
        }
    }

    /// <summary>Ends a VM on a failure path, where a second failure must not hide the first.</summary>
    private async Task StopQuietlyAsync(IVm vm)
    {
        try
        {
            await vm.StopAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is IOException or VmmException or InvalidOperationException)
        {
            LogStopFailed(logger, exception);
        }
    }

    /// <summary>
    /// Cold-boots a template image once, warms it up, runs its recipe when it has one (its service
    /// then runs in every capsule made from it), and freezes it into <paramref name="staging"/>.
    /// </summary>
    private async Task BuildTemplateAsync(CapsuleSpec spec, TemplateImage image, SnapshotFiles staging, SnapshotFiles final, CancellationToken cancellationToken)
    {
        var directory = new CapsuleDirectory(staging.Root);
        var secret = NewSecret();
        // The template's own RAM file, mapped shared: once the VM stops it is the memory image.
        var state = new CapsuleState(spec.Template, spec.Template, spec.Vcpus, spec.MemoryMb, vmm.Name, 0, 0, secret, null, time.GetUtcNow(),
            CapsuleStatus.Running, directory.Memory, MemoryShared: true, image.Path, Generation: 0, vmm.Networked);
        CreateSparseFile(directory.Memory, (long)spec.MemoryMb * 1024 * 1024);
        var stopwatch = System.Diagnostics.Stopwatch.StartNew();
        var vm = await vmm.BootAsync(SpecFor(directory, state), cancellationToken).ConfigureAwait(false);
        try
        {
            using var agent = new GuestAgentClient(vm.ConnectAgentAsync, secret, spec.Template, logger);
            await agent.WaitReadyAsync(options.BootTimeout, cancellationToken).ConfigureAwait(false);
            // Warm-up: page in what every first command needs (shell, libc, the agent's spawn path).
            await agent.Services.RunAsync(new StartRequest { Cmd = "/bin/sh", Args = { "-c", "true" } }, cancellationToken).ConfigureAwait(false);
            if (image.RecipePath is not null)
            {
                await RunTemplateRecipeAsync(agent, image, cancellationToken).ConfigureAwait(false);
            }

            agent.Suspend();
            await vm.SnapshotAsync(staging, keepRunning: false, cancellationToken).ConfigureAwait(false);
            await vm.StopAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            // A build cut short (a failed boot, or the host stopping) must not leave its VM running:
            // disposing only lets go of it, and nothing else knows it is there.
            await StopQuietlyAsync(vm).ConfigureAwait(false);
            throw;
        }
        finally
        {
            await vm.DisposeAsync().ConfigureAwait(false);
        }

        using (var memory = new FileStream(directory.Memory, FileMode.Open, FileAccess.ReadWrite))
        {
            memory.Flush(flushToDisk: true);
        }

        foreach (var leftover in new[] { directory.QmpSocket, directory.AgentSocket, directory.ConsoleSocket, directory.PidFile, directory.StateFile })
        {
            File.Delete(leftover);
        }

        (ManifestFor(state with { MemoryPath = final.Memory, MemoryShared = false }, staging, NewBuildId()) with { RootImage = image.Path }).Save(staging);
        LogTemplateBuilt(logger, spec.Template, spec.MemoryMb, stopwatch.Elapsed.TotalSeconds);
    }

    /// <summary>A platform template's recipe, as root without the build phases; a failed step fails the build.</summary>
    private async Task RunTemplateRecipeAsync(GuestAgentClient agent, TemplateImage image, CancellationToken cancellationToken)
    {
        var runner = new RecipeRunner(agent.Services);
        var shell = await runner.OpenShellAsync(cancellationToken).ConfigureAwait(false);
        var steps = Recipe.Load(image.RecipePath!);
        for (var index = 0; index < steps.Count; index++)
        {
            var log = await runner.RunAsync(shell, steps[index], index + 1, BuildPhase.Recipe, RecipeRunner.PhaseRunTimeout, cancellationToken).ConfigureAwait(false);
            LogTemplateStep(logger, image.Name, log.Step, log.Cmd, log.Exit, log.ElapsedMs);
            if (!log.Ok)
            {
                throw new CapsuleException(CapsuleFailure.BootFailed, $"template {image.Name} recipe step {log.Step} failed: {log.Stderr}");
            }
        }

        if (Healthcheck.Load(image.HealthcheckPath) is { } check)
        {
            await runner.WaitHealthyAsync(shell, check, time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Keeps the built-in template snapshots within <see cref="RuntimeOptions.TemplateCacheBytes"/>:
    /// the least recently used ones that nothing maps go. A snapshot is mapped while any capsule's
    /// or named template's records (its JSON files: state, manifests, memory chains) name its files.
    /// </summary>
    private async Task EvictTemplatesAsync()
    {
        if (options.TemplateCacheBytes is not { } budget)
        {
            return;
        }

        try
        {
            foreach (var key in await _templates.EvictAsync(budget, IsMapped, CancellationToken.None).ConfigureAwait(false))
            {
                LogTemplateEvicted(logger, key, budget);
            }
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            LogEvictionFailed(logger, exception);
        }
    }

    /// <summary>
    /// Removes the files of templates made from capsules (team templates) that <paramref name="kept"/>
    /// does not name and nothing maps. Returns the names removed.
    /// </summary>
    public Task<IReadOnlyList<string>> RemoveUnusedNamedTemplatesAsync(IReadOnlySet<string> kept, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(kept);
        return _templates.RemoveNamedAsync(root => kept.Contains(Path.GetFileName(root)) || IsMapped(root), cancellationToken);
    }

    private bool IsMapped(string templateRoot)
    {
        var files = templateRoot + "/";
        return _templates.NamedRoots().Where(root => root != templateRoot).Append(options.CapsulesDirectory)
            .Where(Directory.Exists)
            .SelectMany(root => Directory.EnumerateFiles(root, "*.json", SearchOption.AllDirectories))
            .Any(record => File.ReadAllText(record).Contains(files, StringComparison.Ordinal));
    }

    /// <summary>Bytes a capsule occupies on disk (overlay, snapshots, own RAM file): allocated, not apparent, sizes.</summary>
    public long DiskUsage(CapsuleId id) => StoredSize.Of(CapsuleDirectory.For(options.DataDirectory, id).Root);

    private async Task<Capsule> StartTrackingAsync(CapsuleId id, CapsuleDirectory directory, CapsuleState state, IVm vm, CancellationToken cancellationToken)
    {
        var running = state with { Status = CapsuleStatus.Running, Pid = vm.Process.Pid, PidStartTicks = vm.Process.StartTicks };
        await running.SaveAsync(directory, cancellationToken).ConfigureAwait(false);
        var capsule = new Capsule(id, running, directory, vm, AgentOf(vm, id, running.Secret));
        var begun = time.GetTimestamp();
        await InitOrExitAsync(capsule, cancellationToken).ConfigureAwait(false);
        var initMs = time.GetElapsedTime(begun).TotalMilliseconds;
        LogAnswered(logger, id.Value, initMs);
        Track(capsule);
        return capsule;
    }

    /// <summary>The host's end of <paramref name="vm"/>'s guest agent, with its file lane when the VM has a network card.</summary>
    private GuestAgentClient AgentOf(IVm vm, CapsuleId id, string secret) =>
        new(vm.ConnectAgentAsync, secret, id.Value, logger, fileLane: vm.NetworkNamespace is { } networkNamespace
            ? FileLaneConnector.InNamespace(networkNamespace, id.Value, logger, time)
            : null);

    /// <summary>Finishes or undoes a pause the previous host agent was in the middle of.</summary>
    private async Task<CapsuleState> RecoverPauseAsync(CapsuleDirectory directory, CapsuleState state, CancellationToken cancellationToken)
    {
        var generation = state.Generation + 1;
        var complete = IsComplete(directory.Generation(generation));
        var vm = await vmm.AdoptAsync(SpecFor(directory, state), new VmmProcess(state.Pid, state.PidStartTicks), cancellationToken).ConfigureAwait(false);
        if (vm is not null)
        {
            if (complete)
            {
                await vm.StopAsync(cancellationToken).ConfigureAwait(false);
            }
            else
            {
                // Stopped for a snapshot that never got its manifest: run on as if never paused.
                await vm.ContinueAsync(cancellationToken).ConfigureAwait(false);
            }

            await vm.DisposeAsync().ConfigureAwait(false);
        }

        if (complete)
        {
            return await CommitPauseAsync(directory, state, generation, cancellationToken).ConfigureAwait(false);
        }

        var running = state with { Status = CapsuleStatus.Running };
        await running.SaveAsync(directory, cancellationToken).ConfigureAwait(false);
        return running;
    }

    private static async Task<CapsuleState> CommitPauseAsync(CapsuleDirectory directory, CapsuleState state, int generation, CancellationToken cancellationToken)
    {
        var paused = state with { Status = CapsuleStatus.Paused, Generation = generation, Pid = 0, PidStartTicks = 0 };
        await paused.SaveAsync(directory, cancellationToken).ConfigureAwait(false);
        foreach (var older in Directory.EnumerateDirectories(directory.Snapshots))
        {
            if (older != directory.Generation(generation).Root)
            {
                Directory.Delete(older, recursive: true);
            }
        }

        return paused;
    }

    private static bool IsComplete(SnapshotFiles files)
    {
        try
        {
            SnapshotManifest.Load(files);
            return true;
        }
        catch (SnapshotException)
        {
            return false;
        }
    }

    /// <param name="state">The snapshotted capsule (or template VM).</param>
    /// <param name="files">Where the driver saved it.</param>
    /// <param name="buildId">Templates: a new id for this build (<see cref="SnapshotManifest.BuildId"/>).</param>
    private SnapshotManifest ManifestFor(CapsuleState state, SnapshotFiles files, string? buildId = null) => new(
        SnapshotManifest.CurrentFormat, state.Vcpus, state.MemoryMb, state.MemoryPath, state.MemoryShared,
        SnapshotManifest.Sum(files, vmm.SnapshotFiles(files)), state.Secret, time.GetUtcNow(), state.Network, state.Defaults, buildId);

    private static string NewBuildId() => Guid.NewGuid().ToString("N");

    private VmSpec SpecFor(CapsuleDirectory directory, CapsuleState state) =>
        new(directory, state.Vcpus, state.MemoryMb, images.KernelPath, images.InitrdPath, state.RootImage, state.Secret,
            new MemoryImage(state.MemoryPath, state.MemoryShared), state.Network);

    private static CapsuleException NotRunning(CapsuleId id) =>
        new(CapsuleFailure.WrongState, $"capsule {id.Value} is not running");

    private static void RecreateDirectory(string path)
    {
        if (Directory.Exists(path))
        {
            Directory.Delete(path, recursive: true);
        }

        Directory.CreateDirectory(path);
    }

    private static void CreateSparseFile(string path, long length)
    {
        using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write);
        file.SetLength(length);
    }

    [LoggerMessage(EventId = 1018, Level = LogLevel.Debug, Message = "Capsule {CapsuleId} answered: Init, its first call, in {InitMs:0} ms")]
    private static partial void LogAnswered(ILogger logger, string capsuleId, double initMs);

    [LoggerMessage(EventId = 1017, Level = LogLevel.Warning, Message = "Stopping the VM of a template build that failed did not succeed")]
    private static partial void LogStopFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1044, Level = LogLevel.Warning, Message = "Template {Template} was not sent to the snapshot store: it serves this host only")]
    private static partial void LogTemplateNotStored(ILogger logger, string template, Exception exception);

    [LoggerMessage(EventId = 1043, Level = LogLevel.Information, Message = "Brought {CapsuleId} generation {Generation} from the snapshot store: {Stored} bytes fetched for {Raw} bytes of data")]
    private static partial void LogImported(ILogger logger, string capsuleId, int generation, long stored, long raw);

    [LoggerMessage(EventId = 1011, Level = LogLevel.Warning, Message = "Cleaning up after a failed pause of {CapsuleId} failed")]
    private static partial void LogPauseCleanupFailed(ILogger logger, string capsuleId, Exception exception);

    [LoggerMessage(EventId = 1013, Level = LogLevel.Warning, Message = "Evicting template snapshots failed; the cache stays over its budget until the next build")]
    private static partial void LogEvictionFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1014, Level = LogLevel.Information, Message = "Template {Template} step {Step} ({Command}) exited {Exit} after {ElapsedMs} ms")]
    private static partial void LogTemplateStep(ILogger logger, string template, int step, string command, int exit, long elapsedMs);

    [LoggerMessage(EventId = 1012, Level = LogLevel.Information, Message = "Evicted template snapshot {Template}: the cache is over its {Budget} bytes")]
    private static partial void LogTemplateEvicted(ILogger logger, string template, long budget);

    [LoggerMessage(EventId = 1010, Level = LogLevel.Information, Message = "Built template snapshot {Template} ({MemoryMb} MiB) in {Seconds:0.0} s")]
    private static partial void LogTemplateBuilt(ILogger logger, string template, int memoryMb, double seconds);
}
