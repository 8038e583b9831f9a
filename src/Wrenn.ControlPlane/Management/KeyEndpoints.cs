using Wrenn.ControlPlane.Api;
using Wrenn.ControlPlane.Audit;
using Wrenn.ControlPlane.Identity;
using static Wrenn.ControlPlane.Api.ApiException;

namespace Wrenn.ControlPlane.Management;

internal sealed class KeyRequest
{
    public string? Name { get; set; }
}

internal sealed record KeyView(string Id, string TeamId, string Name, string KeyPrefix, string? CreatedBy, DateTimeOffset CreatedAt, DateTimeOffset? LastUsedAt)
{
    public static KeyView Of(ApiKeyRecord key) => new(key.Id, key.TeamId, key.Name, key.KeyPrefix, key.CreatedBy,
        DateTimeOffset.FromUnixTimeMilliseconds(key.CreatedAt), key.LastUsedAt is { } used ? DateTimeOffset.FromUnixTimeMilliseconds(used) : null);
}

/// <summary>The create reply: the only time the key itself is shown.</summary>
internal sealed record CreatedKeyView(string Id, string TeamId, string Name, string KeyPrefix, string? CreatedBy, DateTimeOffset CreatedAt, DateTimeOffset? LastUsedAt, string Key);

/// <summary>API keys of the session's team (spec §7.3).</summary>
internal static class KeyEndpoints
{
    public static void Map(IEndpointRouteBuilder routes)
    {
        var keys = routes.MapGroup("/v1/api-keys").WithMetadata(new SessionOnlyAttribute());
        keys.MapPost("", CreateAsync).Body<KeyRequest>().Produces<CreatedKeyView>(201);
        keys.MapGet("", ListAsync).Produces<KeyView[]>();
        keys.MapDelete("/{id}", DeleteAsync).Produces(204);
    }

    private static async Task<IResult> CreateAsync(Caller caller, HttpRequest http, ApiKeys keys, AuditLog audit)
    {
        var name = (await ApiJson.ReadAsync<KeyRequest>(http).ConfigureAwait(false)).Name ?? "Unnamed API Key";
        Require(name.Length is >= 1 and <= 100, "name must be 1 to 100 characters");
        var (record, key) = await keys.CreateAsync(caller.Team, name, caller.User, http.HttpContext.RequestAborted).ConfigureAwait(false);
        await audit.RecordAsync(caller, "api_key", record.Id, "api_key.create", success: true, new Dictionary<string, string> { ["name"] = name }).ConfigureAwait(false);
        var view = KeyView.Of(record);
        return ApiJson.Reply(new CreatedKeyView(view.Id, view.TeamId, view.Name, view.KeyPrefix, view.CreatedBy, view.CreatedAt, view.LastUsedAt, key), StatusCodes.Status201Created);
    }

    private static async Task<IResult> ListAsync(Caller caller, HttpContext http, ApiKeys keys) =>
        ApiJson.Reply((await keys.ListAsync(caller.Team, http.RequestAborted).ConfigureAwait(false)).Select(KeyView.Of).ToList());

    /// <summary>Members may delete the keys they created; admins and owners any key of the team.</summary>
    private static async Task<IResult> DeleteAsync(Caller caller, string id, HttpContext http, ApiKeys keys, AuditLog audit)
    {
        var key = (ApiKeyId.TryParse(id, out var keyId) ? await keys.GetAsync(caller.Team, keyId, http.RequestAborted).ConfigureAwait(false) : null)
            ?? throw NotFound("API key");
        if (caller.Role == "member" && key.CreatedBy != caller.User?.Value)
        {
            throw new ApiException(ApiErrorCode.Forbidden, "members may delete only their own keys");
        }

        await keys.DeleteAsync(caller.Team, keyId, http.RequestAborted).ConfigureAwait(false);
        await audit.RecordAsync(caller, "api_key", key.Id, "api_key.delete", success: true).ConfigureAwait(false);
        return Results.NoContent();
    }
}
