using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Wrenn.ControlPlane.Api;
using Wrenn.ControlPlane.Audit;
using Wrenn.ControlPlane.Hosts;
using Wrenn.ControlPlane.Identity;
using Wrenn.ControlPlane.Snapshots;
using Wrenn.Host.Protocol;
using Wrenn.Recipes;
using static Wrenn.ControlPlane.Api.ApiException;

namespace Wrenn.ControlPlane.Builds;

/// <summary>The body of POST /v1/builds (the <c>config</c> part of a multipart request).</summary>
internal sealed class BuildRequest
{
    public string? Name { get; set; }

    public string? BaseTemplate { get; set; }

    public List<string>? Recipe { get; set; }

    public string? Healthcheck { get; set; }

    public int? Vcpus { get; set; }

    public int? MemoryMb { get; set; }

    public bool? SkipPrePost { get; set; }
}

/// <summary>
/// Team template builds (docs/builds.md): accepts a recipe, reuses the template of an earlier build
/// of the same content, otherwise queues the build; cancel and delete.
/// </summary>
internal sealed class TemplateBuilds(
    BuildStore store, BuildQueue queue, BuildFeed feed, TemplateCatalog catalog, TemplateCollector collector, CapsuleHosts hosts,
    BaseImages images, Accounts accounts, AuditLog audit, ControlPlaneOptions options, TimeProvider time)
{
    /// <summary>The largest archive a build takes, as in the reference.</summary>
    public const long MaxArchiveBytes = 100L * 1024 * 1024;

    /// <summary>Pending and running builds a team may have at once.</summary>
    public const int MaxUnfinishedPerTeam = 10;

    // Part of every content hash: a change to the fixed phases must not reuse templates built before it.
    private const string BuilderVersion = "wrenn-builds-1";

    /// <summary>Where a build's uploaded archive waits for the build (removed when it ends).</summary>
    public static string ArchivePath(ControlPlaneOptions options, string buildId) => Path.Combine(options.DataDirectory, "builds", buildId + ".archive");

    /// <summary>
    /// Accepts a build of the caller's team's template or, with <paramref name="platform"/> (an
    /// admin's, checked by the caller), of a platform template every team sees.
    /// </summary>
    public async Task<BuildRecord> CreateAsync(Caller caller, BuildRequest body, Stream? archive, bool platform, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(body);
        var name = body.Name;
        Require(name is not null, "name is required");
        Require(TemplateCatalog.IsValidName(name), "name must match ^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$");
        // Admins may rebuild a platform template under its name; teams may never take one.
        if (platform ? catalog.IsReserved(name!) : await catalog.IsTakenAsync(name!, cancellationToken).ConfigureAwait(false))
        {
            throw new ApiException(ApiErrorCode.Conflict, $"the template name {name} is reserved");
        }

        var lines = body.Recipe ?? [];
        Require(lines.All(line => line is not null), "recipe lines must be strings");
        var steps = Parse(() => Recipe.Parse(lines));
        var healthcheck = string.IsNullOrWhiteSpace(body.Healthcheck) ? null : body.Healthcheck.Trim();
        if (healthcheck is not null)
        {
            _ = Parse(() => Healthcheck.Parse(healthcheck));
        }

        var skipPrePost = body.SkipPrePost ?? false;
        var baseName = string.IsNullOrEmpty(body.BaseTemplate) ? CapsuleSpec.DefaultTemplate : body.BaseTemplate;
        Require(TemplateCatalog.IsValidName(baseName), "base_template is not a valid template name");
        var baseTemplate = await catalog.ResolveAsync(caller.Team, baseName, cancellationToken).ConfigureAwait(false) ?? throw NotFound("base template");
        var vcpus = baseTemplate.Vcpus ?? (body.Vcpus is > 0 ? body.Vcpus.Value : 1);
        var memoryMb = baseTemplate.MemoryMb ?? (body.MemoryMb is > 0 ? body.MemoryMb.Value : ControlPlaneOptions.DefaultMemoryMb);
        Require(vcpus <= options.MaxVcpus, $"vcpus must be between 1 and {options.MaxVcpus}");
        Require(memoryMb >= 128 && memoryMb <= options.MaxMemoryMb && memoryMb % options.MemoryStepMb == 0,
            $"memory_mb must be between 128 and {options.MaxMemoryMb}, a multiple of {options.MemoryStepMb}");

        if (await store.UnfinishedCountAsync(caller.Team, cancellationToken).ConfigureAwait(false) >= MaxUnfinishedPerTeam)
        {
            // Builds run one at a time for the whole server: one team must not queue it full.
            throw new ApiException(ApiErrorCode.QuotaExceeded, $"a team may have at most {MaxUnfinishedPerTeam} unfinished builds") { RetryAfterSeconds = 60 };
        }

        var id = PublicIds.New("bld-");
        var archiveHash = archive is null ? "none" : await SaveArchiveAsync(id, archive, cancellationToken).ConfigureAwait(false);
        try
        {
            var baseIdentity = baseTemplate.Vcpus is null ? $"image:{baseName}:{images.ByName[baseName].InputHash}" : $"template:{baseTemplate.RuntimeName}";
            var contentHash = Hash(BuilderVersion, baseIdentity, $"{vcpus}", $"{memoryMb}", skipPrePost ? "skip" : "phases", healthcheck ?? "",
                archiveHash, string.Join('\n', steps.Select(step => step.Raw)));
            var now = time.GetUtcNow().ToUnixTimeMilliseconds();
            var build = new BuildRecord(id, caller.Team.Value, name!, baseName, JsonSerializer.Serialize(lines), healthcheck, vcpus, memoryMb, skipPrePost ? 1 : 0,
                archive is null ? 0 : 1, contentHash, BuildStatuses.Pending, 0, steps.Count + (skipPrePost ? 0 : BuildPhases.FixedStepCount), null, null, null, null,
                null, null, null, caller.ActorType, caller.ActorId, caller.ActorName, now, null, null, platform ? 1 : 0, BaseRuntime: baseTemplate.RuntimeName);
            return await AcceptAsync(caller, build, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // Nothing will run the build: its upload goes.
            File.Delete(ArchivePath(options, id));
            throw;
        }
    }

    /// <summary>Reuses an earlier build's template, or records the build and queues it.</summary>
    private async Task<BuildRecord> AcceptAsync(Caller caller, BuildRecord build, CancellationToken cancellationToken)
    {
        var id = build.Id;
        var reused = await ReuseAsync(caller, build, cancellationToken).ConfigureAwait(false);
        if (reused is not null)
        {
            File.Delete(ArchivePath(options, id));
            await audit.RecordAsync(caller, "build", id, "build.create", success: true, new Dictionary<string, string> { ["cached_from"] = reused.CachedFrom! })
                .ConfigureAwait(false);
            return reused;
        }

        await store.InsertAsync(build, cancellationToken).ConfigureAwait(false);
        queue.Enqueue(id);
        await audit.RecordAsync(caller, "build", id, "build.create", success: true, new Dictionary<string, string> { ["name"] = build.Name }).ConfigureAwait(false);
        return build;
    }

    /// <summary>Platform templates are the admins' business: anyone else is refused (403).</summary>
    public async Task RequireAdminAsync(Caller caller, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var user = caller.User is { } id ? await accounts.FindUserAsync(id, cancellationToken).ConfigureAwait(false) : null;
        if (user is not { IsAdmin: not 0 })
        {
            throw new ApiException(ApiErrorCode.Forbidden, "only platform admins build platform templates");
        }
    }

    /// <summary>Cancels a pending or running build; the build's capsule is deleted and nothing is kept.</summary>
    public async Task<BuildRecord> CancelAsync(Caller caller, string id, CancellationToken cancellationToken)
    {
        var build = await OwnAsync(caller, id, cancellationToken).ConfigureAwait(false);
        if (!await store.FinishAsync(id, BuildStatuses.Cancelled, "cancelled", cancellationToken).ConfigureAwait(false))
        {
            throw BuildStatuses.IsFinished(build.Status) ? Invalid($"build is already {build.Status}") : State("the build is saving its template");
        }

        queue.Cancel(id);
        feed.Publish(id, new StatusEvent(BuildStatuses.Cancelled, "cancelled"));
        await audit.RecordAsync(caller, "build", id, "build.cancel", success: true).ConfigureAwait(false);
        return (await store.GetAsync(id, cancellationToken).ConfigureAwait(false))!;
    }

    /// <summary>Deletes a finished build and its log; the template it made stays.</summary>
    public async Task DeleteAsync(Caller caller, string id, CancellationToken cancellationToken)
    {
        var build = await OwnAsync(caller, id, cancellationToken).ConfigureAwait(false);
        if (!await store.DeleteAsync(caller.Team, id, cancellationToken).ConfigureAwait(false))
        {
            throw State($"the build is {build.Status}: cancel it first");
        }

        await audit.RecordAsync(caller, "build", id, "build.delete", success: true).ConfigureAwait(false);
    }

    /// <summary>The team's build <paramref name="id"/>; a platform build only for an admin.</summary>
    private async Task<BuildRecord> OwnAsync(Caller caller, string id, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var build = await store.GetAsync(caller.Team, id, cancellationToken).ConfigureAwait(false) ?? throw NotFound("build");
        if (build.Platform != 0)
        {
            await RequireAdminAsync(caller, cancellationToken).ConfigureAwait(false);
        }

        return build;
    }

    /// <summary>A deleted team's builds: unfinished ones cancelled (their capsules go with them), all forgotten.</summary>
    public async Task ForgetTeamAsync(TeamId team, CancellationToken cancellationToken)
    {
        foreach (var build in await store.ListAsync(team, cancellationToken).ConfigureAwait(false))
        {
            if (await store.FinishAsync(build.Id, BuildStatuses.Cancelled, "team deleted", cancellationToken).ConfigureAwait(false))
            {
                queue.Cancel(build.Id);
                feed.Publish(build.Id, new StatusEvent(BuildStatuses.Cancelled, "team deleted"));
            }
        }

        await store.DeleteTeamAsync(team, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// When the team built the same content before and that template still exists, the new build
    /// names it <paramref name="build"/>'s name at once; null otherwise.
    /// </summary>
    private async Task<BuildRecord?> ReuseAsync(Caller caller, BuildRecord build, CancellationToken cancellationToken)
    {
        var earlier = await store.FindBuiltAsync(caller.Team, build.Platform != 0, build.ContentHash, cancellationToken).ConfigureAwait(false);
        // A queued build of the same name would replace the name after this answer: this one queues behind it instead.
        if (earlier?.RuntimeName is null || await store.IsBuildingAsync(caller.Team, build.Platform != 0, build.Name, cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        var reused = await collector.WhileSavingAsync(async () =>
        {
            // In the snapshot store it serves every host; else its host must still have it.
            var placed = await catalog.ResolveRuntimeAsync(earlier.RuntimeName, cancellationToken).ConfigureAwait(false);
            if (placed.BuildId is null && !await hosts.For(placed.HostId).HasTemplateAsync(earlier.RuntimeName, cancellationToken).ConfigureAwait(false))
            {
                return null;
            }

            var now = time.GetUtcNow().ToUnixTimeMilliseconds();
            var done = build with
            {
                Status = BuildStatuses.Success, CurrentStep = build.TotalSteps, RuntimeName = earlier.RuntimeName, SizeBytes = earlier.SizeBytes,
                DefaultUser = earlier.DefaultUser, DefaultEnv = earlier.DefaultEnv, CachedFrom = earlier.Id, StartedAt = now, CompletedAt = now,
            };
            var owner = build.Platform != 0 ? TemplateCatalog.PlatformTeam.Value : build.TeamId;
            await catalog.SaveAsync(new TemplateRecord(owner, build.Name, earlier.RuntimeName, build.Vcpus, build.MemoryMb, earlier.SizeBytes ?? 0, now,
                earlier.DefaultUser, earlier.DefaultEnv, placed.HostId, placed.BuildId, placed.BuildId is null ? 0 : 1), overwrite: true, cancellationToken)
                .ConfigureAwait(false);
            await store.InsertAsync(done, cancellationToken).ConfigureAwait(false);
            return done;
        }, cancellationToken).ConfigureAwait(false);
        if (reused is not null)
        {
            // The name may have pointed to another template, which nothing may need now.
            await collector.CollectAsync(CancellationToken.None).ConfigureAwait(false);
        }

        return reused;
    }

    /// <summary>Stores the upload as the build's archive (temporary file, then rename); returns its SHA-256.</summary>
    private async Task<string> SaveArchiveAsync(string id, Stream archive, CancellationToken cancellationToken)
    {
        var path = ArchivePath(options, id);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temporary = path + ".tmp";
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        try
        {
            await using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
            {
                var buffer = new byte[1 << 16];
                long total = 0;
                int read;
                while ((read = await archive.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
                {
                    total += read;
                    if (total > MaxArchiveBytes)
                    {
                        throw new ApiException(ApiErrorCode.TooLarge, "archive exceeds 100 MB limit");
                    }

                    hash.AppendData(buffer, 0, read);
                    await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                }

                Require(total > 0, "archive is empty");
                await file.FlushAsync(cancellationToken).ConfigureAwait(false);
            }

            File.Move(temporary, path, overwrite: true);
            return Convert.ToHexStringLower(hash.GetHashAndReset());
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    private static T Parse<T>(Func<T> parse)
    {
        try
        {
            return parse();
        }
        catch (RecipeException exception)
        {
            throw Invalid(exception.Message);
        }
    }

    private static string Hash(params string[] parts) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\0', parts))));
}
