using System.Text.Json;
using Wrenn.ControlPlane.Api;
using Wrenn.ControlPlane.Capsules;
using Wrenn.ControlPlane.Identity;

namespace Wrenn.ControlPlane.E2b;

/// <summary>
/// E2B's sandbox lifecycle on Wrenn's capsules (docs/e2b.md): a sandbox is a capsule, seen through
/// both APIs and moved by the one state machine. What E2B adds is an absolute time to live (the
/// capsule's <see cref="CapsuleRecord.ExpiresAt"/>, ending in a kill or, with <c>autoPause</c>, a
/// pause) in place of Wrenn's inactivity timeout, and a stricter view of what exists: a stopped or
/// failed capsule is "not found".
/// </summary>
internal sealed class Sandboxes(CapsuleOrders orders, CapsuleStore store, CapsuleLifecycle lifecycle, TimeProvider time)
{
    /// <summary>The user of E2B's templates (home <c>/home/user</c>, passwordless sudo), which the SDKs assume.</summary>
    public const string DefaultUser = "user";

    /// <summary>
    /// The envd version sandboxes report. The SDKs switch features on by it: 0.4.0 the default user,
    /// 0.5.2 closing stdin, 0.5.7 raw uploads, 0.6.2 file metadata, 0.6.3 watch entries — all
    /// served. 0.6.4 allows watches on network mounts, which capsules do not have, so it is not claimed.
    /// </summary>
    public const string EnvdVersion = "0.6.3";

    /// <summary>The longest a create or connect waits for the capsule to run: a template's first snapshot build included.</summary>
    private static readonly TimeSpan StartLimit = TimeSpan.FromMinutes(10);

    private const int MaxTimeoutSec = 86400;

    /// <summary>E2B's template names mapped to Wrenn's platform templates; any other name is Wrenn's.</summary>
    public static string TemplateOf(string e2bTemplate) => e2bTemplate switch
    {
        "base" => "base-python",
        "code-interpreter-v1" => "code-runner-beta",
        _ => e2bTemplate,
    };

    /// <summary>A 400 unless <paramref name="seconds"/> is a time to live a sandbox can have (1 s to a day).</summary>
    public static void RequireTimeToLive(int seconds) =>
        ApiException.Require(seconds is >= 1 and <= MaxTimeoutSec, $"timeout must be between 1 and {MaxTimeoutSec} seconds");

    /// <summary>Creates the sandbox and answers once it runs (the SDK talks to it at once).</summary>
    public async Task<CapsuleRecord> CreateAsync(Caller caller, NewSandboxRequest request, int defaultTimeoutSec, CancellationToken cancellationToken)
    {
        var template = TemplateOf(request.TemplateId ?? "base");
        var timeout = request.Timeout ?? defaultTimeoutSec;
        ApiException.Require(Snapshots.TemplateCatalog.IsValidName(template), "templateID is not a valid template name");
        RequireTimeToLive(timeout);
        ApiException.Require(request.Metadata is null || request.Metadata.Count <= 64, "metadata holds at most 64 entries");
        var order = new CapsuleOrder(template, 1, ControlPlaneOptions.DefaultMemoryMb, TimeoutSec: 0, AutoResume: request.AutoResume?.Enabled ?? false,
            UserMetadata: JsonSerializer.Serialize(request.Metadata ?? []),
            ExpiryTtlSec: timeout,
            ExpiryAction: request.AutoPause == true ? ExpiryActions.Pause : ExpiryActions.Kill,
            GuestEnv: JsonSerializer.Serialize(request.EnvVars ?? []),
            GuestUser: DefaultUser);
        return await PlaceAsync(caller, order, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Creates a sandbox from <paramref name="template"/> (a capture of <paramref name="source"/>)
    /// with the source's environment, user, metadata and lifecycle, and <paramref name="timeoutSec"/>
    /// to live; answers once it runs.
    /// </summary>
    public async Task<CapsuleRecord> CreateFromAsync(Caller caller, CapsuleRecord source, string template, int timeoutSec, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        RequireTimeToLive(timeoutSec);
        var order = new CapsuleOrder(template, (int)source.Vcpus, (int)source.MemoryMb, TimeoutSec: 0, AutoResume: source.AutoResume != 0,
            UserMetadata: source.UserMetadata, ExpiryTtlSec: timeoutSec, ExpiryAction: source.ExpiryAction ?? ExpiryActions.Kill,
            GuestEnv: source.GuestEnv, GuestUser: source.GuestUser);
        return await PlaceAsync(caller, order, cancellationToken).ConfigureAwait(false);
    }

    private async Task<CapsuleRecord> PlaceAsync(Caller caller, CapsuleOrder order, CancellationToken cancellationToken)
    {
        var record = await orders.PlaceAsync(caller, order, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException("a create without an Idempotency-Key cannot lose to a repeat");
        // The time to live counts from when the sandbox runs (CapsuleStore.TransitionAsync), not from the order.
        return await RunningAsync(caller, record.Id, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The team's sandbox: a capsule that is not stopped or failed.</summary>
    public async Task<CapsuleRecord> GetAsync(Caller caller, string id, CancellationToken cancellationToken)
    {
        var record = await store.GetAsync(caller.Team, id, cancellationToken).ConfigureAwait(false);
        return record is null or { Status: Statuses.Stopped or Statuses.Error } ? throw ApiException.NotFound("sandbox") : record;
    }

    /// <summary>
    /// Connect: a running sandbox's time to live is extended to <paramref name="timeoutSec"/> from now
    /// (never shortened); a paused one is resumed with that time to live, which later starts (an
    /// auto-resume) give it too. True when it was resumed.
    /// </summary>
    public async Task<(CapsuleRecord Record, bool Resumed)> ConnectAsync(Caller caller, string id, int timeoutSec, CancellationToken cancellationToken)
    {
        RequireTimeToLive(timeoutSec);
        var record = await GetAsync(caller, id, cancellationToken).ConfigureAwait(false);
        var resumed = false;
        if (record.Status == Statuses.Paused)
        {
            await lifecycle.ResumeAsync(caller, id, cancellationToken).ConfigureAwait(false);
            resumed = true;
        }

        record = await RunningAsync(caller, id, cancellationToken).ConfigureAwait(false);
        // A resume already set the end to the time to live from now (CapsuleStore.TransitionAsync):
        // written again only when this connect asks for another one.
        if (resumed ? record.ExpiryTtlSec != timeoutSec : record.ExpiresAt is null || record.ExpiresAt < ExpiryIn(timeoutSec))
        {
            await store.SetExpiryAsync(id, timeoutSec, forNextStarts: true, cancellationToken).ConfigureAwait(false);
        }

        return (record, resumed);
    }

    /// <summary>Sets the sandbox's end to <paramref name="timeoutSec"/> from now; <paramref name="extendOnly"/>: unless it ends later already.</summary>
    public async Task SetTimeoutAsync(Caller caller, string id, int timeoutSec, bool extendOnly, CancellationToken cancellationToken)
    {
        ApiException.Require(timeoutSec is >= 0 and <= MaxTimeoutSec, $"timeout must be between 0 and {MaxTimeoutSec} seconds");
        var record = await GetAsync(caller, id, cancellationToken).ConfigureAwait(false);
        if (!extendOnly || record.ExpiresAt is null || record.ExpiresAt < ExpiryIn(timeoutSec))
        {
            // The current end only: a later resume gives the sandbox the time to live of its create or last connect.
            await store.SetExpiryAsync(id, timeoutSec, forNextStarts: false, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Pauses a running sandbox; a paused one is a 409 (the SDK then answers false).</summary>
    public async Task PauseAsync(Caller caller, string id, CancellationToken cancellationToken)
    {
        var record = await GetAsync(caller, id, cancellationToken).ConfigureAwait(false);
        if (record.Status == Statuses.Paused)
        {
            throw new ApiException(ApiErrorCode.Conflict, "the sandbox is already paused");
        }

        await lifecycle.PauseAsync(caller, id, automatic: false, cancellationToken).ConfigureAwait(false);
    }

    public async Task KillAsync(Caller caller, string id, CancellationToken cancellationToken)
    {
        _ = await GetAsync(caller, id, cancellationToken).ConfigureAwait(false);
        await lifecycle.DeleteAsync(caller, id).ConfigureAwait(false);
    }

    /// <summary>The team's running and paused sandboxes, newest first (E2B's list order).</summary>
    public async Task<IReadOnlyList<CapsuleRecord>> ListAsync(Caller caller, bool running, bool paused, CancellationToken cancellationToken)
    {
        var statuses = new List<string>();
        if (running)
        {
            statuses.AddRange([Statuses.Pending, Statuses.Starting, Statuses.Running, Statuses.Missing]);
        }

        if (paused)
        {
            statuses.Add(Statuses.Paused);
        }

        return statuses.Count == 0 ? [] : await store.ListAsync(caller.Team, statuses, null, int.MaxValue, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>E2B's state of a sandbox: <c>paused</c>, or <c>running</c> for every status on the way to or at running.</summary>
    public static string StateOf(CapsuleRecord record) => record.Status == Statuses.Paused ? "paused" : "running";

    private long ExpiryIn(int seconds) => time.GetUtcNow().AddSeconds(seconds).ToUnixTimeMilliseconds();

    /// <summary>Waits for a pending or starting capsule to run; one that failed to is the failure it records.</summary>
    private async Task<CapsuleRecord> RunningAsync(Caller caller, string id, CancellationToken cancellationToken)
    {
        var record = await StartingCapsules.WaitAsync(store, id, caller.Team, StartLimit, time, cancellationToken).ConfigureAwait(false)
            ?? throw ApiException.NotFound("sandbox");
        return record.Status == Statuses.Running
            ? record
            : throw new ApiException(ApiErrorCode.AgentError, $"the sandbox did not start: {record.Status}");
    }
}
