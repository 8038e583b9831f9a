using System.Diagnostics;
using Wrenn.ControlPlane.Api;
using Wrenn.ControlPlane.Audit;
using Wrenn.ControlPlane.Capsules;
using Wrenn.ControlPlane.Identity;
using Wrenn.ControlPlane.Telemetry;
using Wrenn.HostAgent.Capsules;
using Wrenn.HostAgent.Snapshots;
using static Wrenn.ControlPlane.Api.ApiException;

namespace Wrenn.ControlPlane.Snapshots;

internal sealed class CreateSnapshotRequest
{
    public string? SandboxId { get; set; }

    public string? Name { get; set; }
}

/// <summary>The Template object (spec §5.1).</summary>
internal sealed record TemplateView(string Name, string Type, int? Vcpus, int? MemoryMb, long SizeBytes, DateTimeOffset CreatedAt, bool Platform);

/// <summary>Snapshot templates: create from a capsule, list, delete (spec §5.3–5.5).</summary>
internal static class SnapshotEndpoints
{
    public static void Map(IEndpointRouteBuilder routes)
    {
        routes.MapPost("/v1/snapshots", CreateAsync).Body<CreateSnapshotRequest>().Produces<TemplateView>(201);
        routes.MapGet("/v1/snapshots", ListAsync).Produces<TemplateView[]>();
        routes.MapDelete("/v1/snapshots/{name}", DeleteAsync).Produces(204);
    }

    private static async Task<IResult> CreateAsync(
        Caller caller, HttpContext http, CapsuleStore store, CapsuleLifecycle lifecycle, CapsuleConnections connections, CapsuleRuntime runtime,
        TemplateCatalog catalog, TemplateCollector collector, AuditLog audit, ApiMetrics metrics, TimeProvider time)
    {
        var overwriteText = http.Request.Query["overwrite"].ToString();
        Require(overwriteText is "" or "true" or "false", "overwrite must be true or false");
        var overwrite = overwriteText == "true";
        var body = await ApiJson.ReadAsync<CreateSnapshotRequest>(http.Request).ConfigureAwait(false);
        Require(body.SandboxId is not null, "sandbox_id is required");
        Require(CapsuleId.TryParse(body.SandboxId, out var capsuleId), "sandbox_id is not a capsule id");
        var name = body.Name ?? "template-" + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(4));
        Require(TemplateCatalog.IsValidName(name), "name must match ^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$");
        if (catalog.IsReserved(name))
        {
            throw new ApiException(ApiErrorCode.Conflict, $"the template name {name} is reserved");
        }

        _ = await store.GetAsync(caller.Team, capsuleId.Value, http.RequestAborted).ConfigureAwait(false) ?? throw NotFound("capsule");
        await lifecycle.RequireSnapshotRoomAsync(caller.Team, http.RequestAborted).ConfigureAwait(false);
        var view = await lifecycle.ExclusiveAsync(capsuleId.Value, async () =>
        {
            var record = (await store.GetAnyAsync(capsuleId.Value, CancellationToken.None).ConfigureAwait(false))!;
            if (record.Status is not (Statuses.Running or Statuses.Paused))
            {
                throw State("only a running or paused capsule can be snapshotted");
            }

            if (!overwrite && await catalog.GetAsync(caller.Team, name, CancellationToken.None).ConfigureAwait(false) is not null)
            {
                throw new ApiException(ApiErrorCode.Conflict, $"a template named {name} exists");
            }

            if (record.Status == Statuses.Running)
            {
                connections.CloseAll(record.Id, CloseReason.Paused);
            }

            var watch = Stopwatch.StartNew();
            var runtimeName = "team-template-" + Guid.NewGuid().ToString("N");
            var template = await collector.WhileSavingAsync(async () =>
            {
                TemplateSnapshot snapshot;
                try
                {
                    snapshot = await runtime.SnapshotToTemplateAsync(capsuleId, runtimeName, CancellationToken.None).ConfigureAwait(false);
                }
                catch (CapsuleException)
                {
                    metrics.Observe("snapshot", success: false, watch.Elapsed);
                    await audit.RecordAsync(caller, "snapshot", name, "snapshot.create", success: false).ConfigureAwait(false);
                    throw;
                }

                var saved = new TemplateRecord(caller.Team.Value, name, runtimeName, snapshot.Manifest.Vcpus, snapshot.Manifest.MemoryMb,
                    StoredSize.Of(snapshot.Files.Root), time.GetUtcNow().ToUnixTimeMilliseconds());
                return await catalog.SaveAsync(saved, overwrite, CancellationToken.None).ConfigureAwait(false)
                    ? saved
                    : throw new ApiException(ApiErrorCode.Conflict, $"a template named {name} exists");
            }, CancellationToken.None).ConfigureAwait(false);
            if (overwrite)
            {
                // The template it replaced may be mapped by nothing now.
                await collector.CollectAsync(CancellationToken.None).ConfigureAwait(false);
            }

            metrics.Observe("snapshot", success: true, watch.Elapsed);
            await audit.RecordAsync(caller, "snapshot", name, "snapshot.create", success: true,
                new Dictionary<string, string> { ["capsule_id"] = record.Id }).ConfigureAwait(false);
            return View(template);
        }, http.RequestAborted).ConfigureAwait(false);
        return ApiJson.Reply(view, StatusCodes.Status201Created);
    }

    private static async Task<IResult> ListAsync(Caller caller, HttpContext http, TemplateCatalog catalog)
    {
        var type = http.Request.Query["type"].ToString();
        Require(type is "" or "base" or "snapshot", "type must be base or snapshot");
        var views = new List<TemplateView>();
        if (type != "snapshot")
        {
            views.AddRange(catalog.Platform.Select(image => new TemplateView(image.Name, "base", null, null, image.SizeBytes, image.BuiltAt, Platform: true)));
        }

        if (type != "base")
        {
            views.AddRange((await catalog.ListAsync(caller.Team, http.RequestAborted).ConfigureAwait(false)).Select(View));
        }

        return ApiJson.Reply(views.OrderBy(view => view.Name, StringComparer.Ordinal).ToList());
    }

    private static async Task<IResult> DeleteAsync(Caller caller, string name, HttpContext http, TemplateCatalog catalog, TemplateCollector collector, AuditLog audit)
    {
        if (catalog.IsPlatform(name))
        {
            throw new ApiException(ApiErrorCode.Forbidden, "platform templates cannot be deleted");
        }

        if (!await catalog.DeleteAsync(caller.Team, name, http.RequestAborted).ConfigureAwait(false))
        {
            throw NotFound("template");
        }

        // Its files go now unless capsules created from it still map them (then with the last of those).
        await collector.CollectAsync(CancellationToken.None).ConfigureAwait(false);

        await audit.RecordAsync(caller, "snapshot", name, "snapshot.delete", success: true).ConfigureAwait(false);
        return Results.NoContent();
    }

    private static TemplateView View(TemplateRecord record) =>
        new(record.Name, "snapshot", (int)record.Vcpus, (int)record.MemoryMb, record.SizeBytes, DateTimeOffset.FromUnixTimeMilliseconds(record.CreatedAt), Platform: false);
}
