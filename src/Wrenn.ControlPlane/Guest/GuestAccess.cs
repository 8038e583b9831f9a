using Grpc.Core;
using Wrenn.ControlPlane.Api;
using Wrenn.ControlPlane.Capsules;
using Wrenn.ControlPlane.Identity;
using Wrenn.Agent.Protocol;
using Wrenn.ControlPlane.Hosts;
using Wrenn.Host.Protocol;

namespace Wrenn.ControlPlane.Guest;

/// <summary>
/// A guest operation's hold on a running capsule: its agent, the capsule's connection scope (ended
/// by pause and delete) and an activity lease keeping it busy.
/// </summary>
internal sealed class GuestSession(CapsuleRecord record, GuestServices agent, CapsuleConnections.Scope scope, IDisposable busy, CancellationToken requestAborted)
    : IDisposable
{
    private readonly CancellationTokenSource _linked = CancellationTokenSource.CreateLinkedTokenSource(scope.Token, requestAborted);

    public CapsuleRecord Record { get; } = record;

    public GuestServices Agent { get; } = agent;

    public CapsuleConnections.Scope Scope { get; } = scope;

    /// <summary>Cancelled when the client goes away or the capsule is paused or deleted.</summary>
    public CancellationToken Token => _linked.Token;

    /// <summary>
    /// The API error for a failed agent call: a call cut by pause or delete is a 409 (the capsule
    /// is no longer running), anything else as the agent's failure says. <paramref name="lookup"/>:
    /// the call only looks a path up (read, list, remove), where a non-directory component means missing.
    /// </summary>
    public ApiException Fail(RpcException exception, string? subject = null, bool lookup = false) =>
        Scope.Reason switch
        {
            CloseReason.Paused => ApiException.State("the capsule was paused"),
            CloseReason.Deleted => ApiException.State("the capsule was deleted"),
            _ => GuestFailures.Translate(exception, subject, lookup),
        };

    /// <summary>Runs an agent call, turning its failure into the API error (see <see cref="Fail"/>).</summary>
    public async Task<T> CallAsync<T>(Func<Task<T>> call, string? subject = null, bool lookup = false)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (RpcException exception)
        {
            throw Fail(exception, subject, lookup);
        }
    }

    /// <summary>SIGKILLs a process group by tag, best effort (the process may have exited already).</summary>
    public async Task KillAsync(string tag)
    {
        try
        {
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await Agent.Processes.SignalAsync(new SignalRequest { Selector = tag, Signal = 9 }, cancellationToken: deadline.Token).ConfigureAwait(false);
        }
        catch (RpcException)
        {
            // Gone already, or the capsule went away: nothing left to kill.
        }
    }

    public void Dispose()
    {
        busy.Dispose();
        _linked.Dispose();
    }
}

/// <summary>Admits guest operations by capsule status (spec §3.3, last paragraph).</summary>
internal sealed class GuestAccess(
    CapsuleStore store, CapsuleHosts hosts, CapsuleActivity activity, CapsuleConnections connections, CapsuleLifecycle lifecycle, TimeProvider time)
{
    private static readonly TimeSpan StartWait = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan HostWait = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan HostPoll = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// The team's capsule, once running: pending and starting capsules are waited for up to 30 s,
    /// paused ones with <c>auto_resume</c> resumed and waited for; other paused, failed and stopped
    /// ones are a 409, missing ones a 503.
    /// </summary>
    public async Task<GuestSession> OpenAsync(Caller caller, string id, CancellationToken cancellationToken, bool busy = true)
    {
        var record = await StartingCapsules.WaitAsync(store, id, caller.Team, StartWait, time, cancellationToken).ConfigureAwait(false)
            ?? throw ApiException.NotFound("capsule");
        if (record is { Status: Statuses.Paused, AutoResume: not 0 })
        {
            record = await lifecycle.WakeAsync(record, cancellationToken).ConfigureAwait(false) ?? throw ApiException.NotFound("capsule");
        }

        if (record.Status == Statuses.Running && !await ConnectedAsync(record, cancellationToken).ConfigureAwait(false))
        {
            throw new ApiException(ApiErrorCode.HostUnavailable, "the capsule's host is unreachable") { RetryAfterSeconds = 5 };
        }

        switch (record.Status)
        {
            case Statuses.Running when CapsuleId.TryParse(id, out var runtimeId) && hosts.For(record).Guest(runtimeId) is { } guest:
                var scope = connections.ScopeOf(id);
                return new GuestSession(record, MeasuredGuest.Of(guest), scope, busy ? activity.Begin(id) : NoLease.Instance, cancellationToken);
            case Statuses.Missing:
                throw new ApiException(ApiErrorCode.HostUnavailable, "the capsule's host is unreachable") { RetryAfterSeconds = 5 };
            default:
                throw ApiException.State($"the capsule is {record.Status}");
        }
    }

    /// <summary>
    /// Whether the control plane's connection to the capsule's host is up, waiting a little for it: a
    /// host that just came back is marked online by its heartbeat a moment before it is reconnected.
    /// </summary>
    private async Task<bool> ConnectedAsync(CapsuleRecord record, CancellationToken cancellationToken)
    {
        var waited = TimeSpan.Zero;
        while (record.HostId is { } host && !hosts.IsConnected(host))
        {
            if (waited >= HostWait)
            {
                return false;
            }

            await Task.Delay(HostPoll, time, cancellationToken).ConfigureAwait(false);
            waited += HostPoll;
        }

        return true;
    }

    private sealed class NoLease : IDisposable
    {
        public static readonly NoLease Instance = new();

        public void Dispose()
        {
        }
    }
}
