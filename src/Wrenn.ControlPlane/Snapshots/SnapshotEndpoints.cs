using Wrenn.ControlPlane.Api;
using Wrenn.ControlPlane.Identity;
using Wrenn.Host.Protocol;
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

    private static async Task<IResult> CreateAsync(Caller caller, HttpContext http, SnapshotTemplates templates)
    {
        var overwriteText = http.Request.Query["overwrite"].ToString();
        Require(overwriteText is "" or "true" or "false", "overwrite must be true or false");
        var body = await ApiJson.ReadAsync<CreateSnapshotRequest>(http.Request).ConfigureAwait(false);
        Require(body.SandboxId is not null, "sandbox_id is required");
        Require(CapsuleId.TryParse(body.SandboxId, out var capsuleId), "sandbox_id is not a capsule id");
        var template = await templates.CreateAsync(caller, capsuleId, body.Name, overwriteText == "true", http.RequestAborted).ConfigureAwait(false);
        return ApiJson.Reply(View(template), StatusCodes.Status201Created);
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
            views.AddRange((await catalog.ListAsync(TemplateCatalog.PlatformTeam, http.RequestAborted).ConfigureAwait(false)).Select(View));
        }

        return ApiJson.Reply(views.OrderBy(view => view.Name, StringComparer.Ordinal).ToList());
    }

    private static async Task<IResult> DeleteAsync(Caller caller, string name, HttpContext http, SnapshotTemplates templates)
    {
        await templates.DeleteAsync(caller, name, http.RequestAborted).ConfigureAwait(false);
        return Results.NoContent();
    }

    private static TemplateView View(TemplateRecord record) =>
        new(record.Name, "snapshot", (int)record.Vcpus, (int)record.MemoryMb, record.SizeBytes, DateTimeOffset.FromUnixTimeMilliseconds(record.CreatedAt),
            Platform: record.TeamId == TemplateCatalog.PlatformTeam.Value);
}
