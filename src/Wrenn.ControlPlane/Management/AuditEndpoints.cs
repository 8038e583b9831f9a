using System.Globalization;
using System.Text.Json;
using Wrenn.ControlPlane.Api;
using Wrenn.ControlPlane.Audit;
using Wrenn.ControlPlane.Identity;
using static Wrenn.ControlPlane.Api.ApiException;

namespace Wrenn.ControlPlane.Management;

internal sealed record AuditEntryView(
    string Id, DateTimeOffset CreatedAt, string ActorType, string? ActorId, string? ActorName, string ResourceType, string? ResourceId,
    string Action, string Status, IReadOnlyDictionary<string, string> Metadata);

internal sealed record AuditPage(IReadOnlyList<AuditEntryView> Items, string? NextCursor);

/// <summary>GET /v1/audit-logs (spec §7.5): the session's team, newest first, paged by an opaque cursor.</summary>
internal static class AuditEndpoints
{
    public static void Map(IEndpointRouteBuilder routes) =>
        routes.MapGet("/v1/audit-logs", ListAsync).Produces<AuditPage>().WithMetadata(new SessionOnlyAttribute());

    private static async Task<IResult> ListAsync(Caller caller, HttpContext http, AuditLog audit)
    {
        var query = http.Request.Query;
        var limit = 50;
        if (query.ContainsKey("limit"))
        {
            Require(int.TryParse(query["limit"], out limit) && limit is >= 1 and <= 200, "limit must be between 1 and 200");
        }

        long? before = null;
        if (query.ContainsKey("cursor"))
        {
            Require(long.TryParse(query["cursor"], NumberStyles.None, CultureInfo.InvariantCulture, out var seq), "cursor is not valid");
            before = seq;
        }

        var rows = await audit.ListAsync(caller.Team, before, Optional(query["resource_type"]), Optional(query["action"]), limit + 1, http.RequestAborted)
            .ConfigureAwait(false);
        var page = rows.Take(limit).Select(row => new AuditEntryView(
            row.Id, DateTimeOffset.FromUnixTimeMilliseconds(row.CreatedAt), row.ActorType, row.ActorId, row.ActorName, row.ResourceType, row.ResourceId,
            row.Action, row.Status, JsonSerializer.Deserialize<Dictionary<string, string>>(row.Metadata) ?? [])).ToList();
        var next = rows.Count > limit ? rows[limit - 1].Seq.ToString(CultureInfo.InvariantCulture) : null;
        return ApiJson.Reply(new AuditPage(page, next));
    }

    private static string? Optional(Microsoft.Extensions.Primitives.StringValues value) => value.ToString() is { Length: > 0 } text ? text : null;
}
