using Wrenn.ControlPlane.Api;
using Wrenn.ControlPlane.Identity;
using Wrenn.ControlPlane.Snapshots;
using Wrenn.Host.Protocol;

namespace Wrenn.ControlPlane.Capsules;

/// <summary>
/// What a create asks for, checked by its surface (v1 or E2B). <paramref name="Vcpus"/> and
/// <paramref name="MemoryMb"/> give way to a template snapshot's own size; <paramref name="ExpiryTtlSec"/>:
/// an absolute end that far from the start (<see cref="CapsuleRecord.ExpiresAt"/>).
/// </summary>
internal sealed record CapsuleOrder(
    string Template,
    int Vcpus,
    int MemoryMb,
    long TimeoutSec,
    bool AutoResume,
    string? UserMetadata = null,
    string? Idempotency = null,
    string? RequestHash = null,
    long? ExpiryTtlSec = null,
    string? ExpiryAction = null,
    string? GuestEnv = null,
    string? GuestUser = null);

/// <summary>Turns a create order into a pending capsule on its template and starts it (<see cref="CapsuleLifecycle.CreateAsync"/>).</summary>
internal sealed class CapsuleOrders(CapsuleLifecycle lifecycle, TemplateCatalog templates, TimeProvider time)
{
    /// <summary>The new capsule, as the reply window left it; null when a concurrent create with the same Idempotency-Key won.</summary>
    public async Task<CapsuleRecord?> PlaceAsync(Caller caller, CapsuleOrder order, CancellationToken cancellationToken)
    {
        var template = await templates.ResolveAsync(caller.Team, order.Template, cancellationToken).ConfigureAwait(false)
            ?? throw ApiException.NotFound("template");
        var vcpus = template.Vcpus ?? order.Vcpus;
        var memoryMb = template.MemoryMb ?? order.MemoryMb;
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var id = CapsuleId.New();
        var pending = new CapsuleRecord(id.Value, caller.Team.Value, Statuses.Pending, null, order.Template, vcpus, memoryMb, order.TimeoutSec,
            now, null, null, now, "{}", order.Idempotency, order.RequestHash, AutoResume: order.AutoResume ? 1 : 0,
            HostId: template.HostId,
            ExpiresAt: order.ExpiryTtlSec is { } ttl ? now + (ttl * 1000) : null, ExpiryTtlSec: order.ExpiryTtlSec, ExpiryAction: order.ExpiryAction, GuestEnv: order.GuestEnv, GuestUser: order.GuestUser,
            UserMetadata: order.UserMetadata);
        return await lifecycle.CreateAsync(caller, pending, new CapsuleSpec(template.RuntimeName, vcpus, memoryMb, Id: id, TemplateBuild: template.BuildId))
            .ConfigureAwait(false);
    }
}
