using Wrenn.ControlPlane.Api;
using Wrenn.ControlPlane.Identity;
using static Wrenn.ControlPlane.Api.ApiException;

namespace Wrenn.ControlPlane.Hosts;

/// <summary>
/// Hosts (spec §7.4): management routes for sessions of platform admins (and of BYOC teams'
/// owners and admins); registration and refresh without credentials (the token is in the body);
/// heartbeats with the host's <c>X-Host-Token</c>.
/// </summary>
internal static class HostEndpoints
{
    /// <summary>The header a host's agent authenticates heartbeats with; refused everywhere else (<see cref="Authenticator"/>).</summary>
    public const string HostTokenHeader = "X-Host-Token";

    public static void Map(IEndpointRouteBuilder routes)
    {
        routes.MapPost("/v1/hosts/register", RegisterAsync).Body<HostRegisterRequest>().Produces<HostEnrollmentView>(201);
        routes.MapPost("/v1/hosts/auth/refresh", RefreshAsync).Body<HostRefreshRequest>().Produces<HostEnrollmentView>();
        routes.MapPost("/v1/hosts/{id}/heartbeat", HeartbeatAsync).Body<HostHeartbeatRequest>().Produces(204);

        var hosts = routes.MapGroup("/v1/hosts").WithMetadata(new SessionOnlyAttribute());
        hosts.MapPost("", CreateAsync).Body<HostCreateRequest>().Produces<HostTokenView>(201);
        hosts.MapGet("", ListAsync).Produces<HostView[]>();
        hosts.MapGet("/{id}", GetAsync).Produces<HostView>();
        hosts.MapDelete("/{id}", DeleteAsync).Produces(204);
        hosts.MapPost("/{id}/token", NewTokenAsync).Produces<HostTokenView>(201);
        hosts.MapPost("/{id}/drain", DrainAsync).Body<HostDrainRequest>().Produces<HostView>();
        hosts.MapPost("/{id}/undrain", UndrainAsync).Produces<HostView>();
    }

    private static async Task<IResult> CreateAsync(Caller caller, HttpRequest http, HostRegistry hosts) =>
        ApiJson.Reply(await hosts.CreateAsync(caller, await ApiJson.ReadAsync<HostCreateRequest>(http).ConfigureAwait(false), http.HttpContext.RequestAborted)
            .ConfigureAwait(false), StatusCodes.Status201Created);

    private static async Task<IResult> ListAsync(Caller caller, HttpContext http, HostRegistry hosts) =>
        ApiJson.Reply(await hosts.ListAsync(caller, http.RequestAborted).ConfigureAwait(false));

    private static async Task<IResult> GetAsync(Caller caller, string id, HttpContext http, HostRegistry hosts) =>
        ApiJson.Reply(await hosts.GetAsync(caller, id, http.RequestAborted).ConfigureAwait(false));

    private static async Task<IResult> DeleteAsync(Caller caller, string id, HttpContext http, HostRegistry hosts)
    {
        var force = http.Request.Query["force"].ToString();
        Require(force is "" or "true" or "false", "force must be true or false");
        await hosts.DeleteAsync(caller, id, force == "true", http.RequestAborted).ConfigureAwait(false);
        return Results.NoContent();
    }

    private static async Task<IResult> NewTokenAsync(Caller caller, string id, HttpContext http, HostRegistry hosts) =>
        ApiJson.Reply(await hosts.NewTokenAsync(caller, id, http.RequestAborted).ConfigureAwait(false), StatusCodes.Status201Created);

    private static async Task<IResult> DrainAsync(Caller caller, string id, HttpRequest http, HostRegistry hosts)
    {
        var body = await ApiJson.ReadAsync<HostDrainRequest>(http).ConfigureAwait(false);
        return ApiJson.Reply(await hosts.DrainAsync(caller, id, body.PauseRunning ?? false, http.HttpContext.RequestAborted).ConfigureAwait(false));
    }

    private static async Task<IResult> UndrainAsync(Caller caller, string id, HttpContext http, HostRegistry hosts) =>
        ApiJson.Reply(await hosts.UndrainAsync(caller, id, http.RequestAborted).ConfigureAwait(false));

    private static async Task<IResult> RegisterAsync(HttpRequest http, HostEnrollment enrollment) =>
        ApiJson.Reply(await enrollment.RegisterAsync(await ApiJson.ReadAsync<HostRegisterRequest>(http).ConfigureAwait(false), http.HttpContext.RequestAborted)
            .ConfigureAwait(false), StatusCodes.Status201Created);

    private static async Task<IResult> RefreshAsync(HttpRequest http, HostEnrollment enrollment) =>
        ApiJson.Reply(await enrollment.RefreshAsync(await ApiJson.ReadAsync<HostRefreshRequest>(http).ConfigureAwait(false), http.HttpContext.RequestAborted)
            .ConfigureAwait(false));

    private static async Task<IResult> HeartbeatAsync(string id, HttpRequest http, HostEnrollment enrollment, HostMonitor monitor)
    {
        var host = await enrollment.AuthenticateHeartbeatAsync(id, http.Headers[HostTokenHeader].ToString(), http.HttpContext.RequestAborted).ConfigureAwait(false);
        var body = await ApiJson.ReadAsync<HostHeartbeatRequest>(http).ConfigureAwait(false);
        Require(body.CapsulesRunning is null or >= 0 && body.MemoryMbUsed is null or >= 0 && body.DiskGbUsed is null or >= 0,
            "capsules_running, memory_mb_used and disk_gb_used must not be negative");
        var usage = new HostUsage(body.CapsulesRunning ?? 0, body.MemoryMbUsed ?? 0, body.DiskGbUsed ?? 0);
        return await monitor.HeartbeatAsync(host, usage, http.HttpContext.RequestAborted).ConfigureAwait(false)
            ? Results.NoContent()
            : throw NotFound("host");
    }
}
