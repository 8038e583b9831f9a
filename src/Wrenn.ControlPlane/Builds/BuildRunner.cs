using System.Text.Json;
using Grpc.Core;
using Wrenn.ControlPlane.Api;
using Wrenn.ControlPlane.Capsules;
using Wrenn.ControlPlane.Hosts;
using Wrenn.ControlPlane.Identity;
using Wrenn.ControlPlane.Snapshots;
using Wrenn.Host.Protocol;
using Wrenn.Recipes;

namespace Wrenn.ControlPlane.Builds;

/// <summary>
/// One build, start to end (docs/builds.md): a capsule of the base template (a team capsule with no
/// idle timeout), the archive unpacked in it, the fixed phases and the recipe step by step, the
/// healthcheck, then the capsule frozen into the team's template with its START services running.
/// The capsule is deleted however the build ends; a failed build leaves no template.
/// </summary>
internal sealed partial class BuildRunner(
    BuildStore store, BuildFeed feed, CapsuleLifecycle lifecycle, CapsuleStore capsules, CapsuleHosts hosts, TemplateCatalog catalog,
    TemplateMaker maker, ControlPlaneOptions options, TimeProvider time, ILogger<BuildRunner> logger)
{
    /// <summary>The longest a build may take, healthcheck included.</summary>
    public static readonly TimeSpan BuildLimit = TimeSpan.FromHours(1);

    // A create may build the base template's snapshot first (a cold boot).
    private static readonly TimeSpan CapsuleStartLimit = TimeSpan.FromMinutes(3);

    public async Task RunAsync(string id, CancellationToken cancellationToken)
    {
        var build = await store.GetAsync(id, CancellationToken.None).ConfigureAwait(false);
        if (build is null || !await store.StartAsync(id, CancellationToken.None).ConfigureAwait(false))
        {
            // Cancelled while queued: nothing ran, only its upload is left.
            DeleteArchive(id);
            return;
        }

        feed.Publish(id, new StatusEvent(BuildStatuses.Running, null));
        var caller = new Caller(new TeamId(build.TeamId), build.ActorType, build.ActorId, build.ActorName, null, null);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(BuildLimit);
        var capsule = CapsuleId.New();
        TemplateRecord? template = null;
        GuestDefaults? defaults = null;
        string? failure = null;
        try
        {
            await CreateCapsuleAsync(caller, build, capsule).ConfigureAwait(false);
            await WaitRunningAsync(caller, capsule, limit.Token).ConfigureAwait(false);
            defaults = await RunStepsAsync(build, capsule, limit.Token).ConfigureAwait(false);
            // From here on a cancel is refused: the template about to replace the name's is written.
            if (!await store.FinalizeAsync(id, CancellationToken.None).ConfigureAwait(false))
            {
                throw new BuildFailure("cancelled");
            }

            template = await maker.SnapshotAsync(caller, capsule, build.Name, overwrite: true, defaults, limit.Token,
                owner: build.Platform != 0 ? TemplateCatalog.PlatformTeam : null).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Cancelled (the status says so already, and stays), or the server is stopping.
            failure = "interrupted: the server stopped during the build";
        }
        catch (OperationCanceledException) when (limit.IsCancellationRequested)
        {
            failure = $"the build took longer than its limit of {BuildLimit.TotalMinutes:0} minutes";
        }
        catch (Exception exception) when (Reason(exception) is { } reason)
        {
            LogBuildFailed(logger, id, exception);
            failure = reason;
        }
        finally
        {
            // Before the final status, so a finished build never has a capsule left. Also when it
            // was never created (over the team's quota): deleting it is then a no-op.
            await DeleteCapsuleAsync(caller, capsule).ConfigureAwait(false);
            DeleteArchive(id);
            if (template is null)
            {
                // Also for a failure nobody expected (a bug): it propagates to the queue's log, and
                // the build does not stay running.
                await FailAsync(id, failure ?? "the build failed unexpectedly").ConfigureAwait(false);
            }
        }

        if (template is not null && await store.SucceedAsync(id, template.RuntimeName, template.SizeBytes, template.DefaultUser ?? "root", template.DefaultEnv ?? "{}", CancellationToken.None)
            .ConfigureAwait(false))
        {
            feed.Publish(id, new StatusEvent(BuildStatuses.Success, null));
        }
    }

    /// <summary>A build a stopped server left running: failed, its capsule deleted.</summary>
    public async Task AbandonAsync(string id, string reason)
    {
        var build = await store.GetAsync(id, CancellationToken.None).ConfigureAwait(false);
        await FailAsync(id, reason).ConfigureAwait(false);
        if (build?.CapsuleId is { } capsule && CapsuleId.TryParse(capsule, out var capsuleId))
        {
            await DeleteCapsuleAsync(Caller.System(new TeamId(build.TeamId)), capsuleId).ConfigureAwait(false);
        }

        DeleteArchive(id);
    }

    private void DeleteArchive(string id)
    {
        var archive = TemplateBuilds.ArchivePath(options, id);
        if (File.Exists(archive))
        {
            File.Delete(archive);
        }
    }

    /// <summary>Records the build's capsule and starts it (a create holds no cancellation: it is deleted afterwards instead).</summary>
    private async Task CreateCapsuleAsync(Caller caller, BuildRecord build, CapsuleId id)
    {
        // The base as it was when the build was submitted (what its content hash names); older rows resolve it now.
        var runtimeName = build.BaseRuntime
            ?? (await catalog.ResolveAsync(caller.Team, build.BaseTemplate, CancellationToken.None).ConfigureAwait(false))?.RuntimeName
            ?? throw new BuildFailure($"base template {build.BaseTemplate} not found");
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var metadata = JsonSerializer.Serialize(new Dictionary<string, string> { ["wrenn.build"] = build.Id });
        var placed = await catalog.ResolveRuntimeAsync(runtimeName, CancellationToken.None).ConfigureAwait(false);
        var pending = new CapsuleRecord(id.Value, build.TeamId, Statuses.Pending, null, build.BaseTemplate, build.Vcpus, build.MemoryMb, TimeoutSec: 0,
            now, null, null, now, metadata, null, null, AutoResume: 0, HostId: placed.HostId);
        // Recorded first: a server that dies during the create still finds the capsule to delete.
        await store.SetCapsuleAsync(build.Id, id.Value, CancellationToken.None).ConfigureAwait(false);
        await lifecycle.CreateAsync(caller, pending, new CapsuleSpec(runtimeName, (int)build.Vcpus, (int)build.MemoryMb, Id: id, TemplateBuild: placed.BuildId))
            .ConfigureAwait(false);
    }

    private async Task WaitRunningAsync(Caller caller, CapsuleId id, CancellationToken cancellationToken)
    {
        var record = await StartingCapsules.WaitAsync(capsules, id.Value, caller.Team, CapsuleStartLimit, time, cancellationToken)
            .ConfigureAwait(false);
        if (record?.Status != Statuses.Running)
        {
            throw new BuildFailure($"the build capsule did not start ({record?.Status ?? "deleted"})");
        }
    }

    /// <summary>Unpacks the archive, runs every step, waits for the healthcheck; returns what the template keeps.</summary>
    private async Task<GuestDefaults> RunStepsAsync(BuildRecord build, CapsuleId capsule, CancellationToken cancellationToken)
    {
        var capsuleRecord = await capsules.GetAnyAsync(capsule.Value, cancellationToken).ConfigureAwait(false);
        var agent = (capsuleRecord is null ? null : hosts.For(capsuleRecord).Guest(capsule)) ?? throw new BuildFailure("the build capsule stopped");
        var runner = new RecipeRunner(agent);
        if (build.HasArchive != 0)
        {
            await BuildArchive.UnpackAsync(runner, TemplateBuilds.ArchivePath(options, build.Id), cancellationToken).ConfigureAwait(false);
        }

        var shell = await runner.OpenShellAsync(cancellationToken).ConfigureAwait(false);
        var recipe = Recipe.Parse(JsonSerializer.Deserialize<string[]>(build.Recipe) ?? []);
        GuestDefaults? defaults = null;
        var number = 0;
        foreach (var (step, phase, runTimeout) in BuildPhases.Of(recipe, build.SkipPrePost != 0))
        {
            if (phase == BuildPhase.PostBuild && defaults is null)
            {
                // What the recipe made is the template's; the cleanup after it runs as root.
                defaults = Defaults(shell);
                shell.UseAccount("root");
            }

            var live = new LiveOutput(feed, build.Id, ++number);
            var log = await runner.RunAsync(shell, step, number, phase, runTimeout, cancellationToken, live.Publish).ConfigureAwait(false);
            var record = new BuildLogRecord(build.Id, log.Step, BuildPhases.Name(log.Phase), log.Cmd, log.Stdout, log.Stderr, log.Exit, log.Ok ? 1 : 0, log.ElapsedMs);
            await store.AddLogAsync(record, CancellationToken.None).ConfigureAwait(false);
            feed.Publish(build.Id, new StepEvent(record));
            if (!log.Ok)
            {
                var why = log.Stderr.Trim() is { Length: > 0 } stderr ? Tail(stderr) : $"exit code {log.Exit}";
                throw new BuildFailure($"{BuildPhases.Name(phase)} step {number} failed: {why}");
            }
        }

        defaults ??= Defaults(shell);
        if (build.Healthcheck is not null)
        {
            shell.UseAccount(defaults.User);
            try
            {
                await runner.WaitHealthyAsync(shell, Healthcheck.Parse(build.Healthcheck), time, cancellationToken).ConfigureAwait(false);
            }
            catch (RecipeException exception)
            {
                throw new BuildFailure("healthcheck failed: " + exception.Message);
            }
        }

        return defaults;
    }

    private static GuestDefaults Defaults(RecipeShell shell) => new(shell.User, shell.TemplateEnvironment);

    private async Task FailAsync(string id, string reason)
    {
        if (await store.FinishAsync(id, BuildStatuses.Failed, reason, CancellationToken.None).ConfigureAwait(false))
        {
            feed.Publish(id, new StatusEvent(BuildStatuses.Failed, reason));
        }
    }

    private async Task DeleteCapsuleAsync(Caller caller, CapsuleId capsule)
    {
        try
        {
            await lifecycle.DeleteAsync(caller, capsule.Value, "build finished").ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is ApiException or CapsuleException or IOException)
        {
            LogCapsuleLeft(logger, capsule.Value, exception);
        }
    }

    /// <summary>What a failed build says about why; null for failures that are bugs, not expected.</summary>
    private static string? Reason(Exception exception) => exception switch
    {
        BuildFailure or ApiException => exception.Message,
        RecipeException => "recipe error: " + exception.Message,
        CapsuleException capsule => $"the build capsule failed ({capsule.Failure})",
        RpcException => "the build capsule's agent failed",
        IOException => "the build capsule's agent failed",
        _ => null,
    };

    /// <summary>The end of a long error output, which is where the error is.</summary>
    internal static string Tail(string text) => text.Length <= 2000 ? text : "…" + text[^2000..];

    /// <summary>A build step or check failed; the message is the build's error, meant for its author.</summary>
    internal sealed class BuildFailure(string message) : Exception(message);

    [LoggerMessage(EventId = 4902, Level = LogLevel.Information, Message = "Build {Build} failed")]
    private static partial void LogBuildFailed(ILogger logger, string build, Exception exception);

    [LoggerMessage(EventId = 4903, Level = LogLevel.Warning, Message = "The capsule {Capsule} of a finished build could not be deleted")]
    private static partial void LogCapsuleLeft(ILogger logger, string capsule, Exception exception);
}
