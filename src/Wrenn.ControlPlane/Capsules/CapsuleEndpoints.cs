using System.Security.Cryptography;
using System.Text;
using Wrenn.ControlPlane.Api;
using Wrenn.ControlPlane.Identity;
using Wrenn.ControlPlane.Snapshots;
using Wrenn.Host.Protocol;
using static Wrenn.ControlPlane.Api.ApiException;

namespace Wrenn.ControlPlane.Capsules;

internal sealed class CreateCapsuleRequest
{
    public string? Template { get; set; }

    public int? Vcpus { get; set; }

    public int? MemoryMb { get; set; }

    public int? TimeoutSec { get; set; }

    /// <summary>Resume the capsule when traffic arrives for it while it is paused (docs/api-notes.md).</summary>
    public bool? AutoResume { get; set; }
}

/// <summary>Create, list, get, delete, pause, resume and ping (spec §4.1–4.7).</summary>
internal static class CapsuleEndpoints
{
    private const int MaxListLimit = 1000;

    public static void Map(IEndpointRouteBuilder routes)
    {
        routes.MapPost("/v1/capsules", CreateAsync).Produces<CapsuleView>(201).Body<CreateCapsuleRequest>();
        routes.MapGet("/v1/capsules", ListAsync).Produces<CapsuleView[]>();
        routes.MapGet("/v1/capsules/{id}", GetAsync).Produces<CapsuleView>();
        routes.MapDelete("/v1/capsules/{id}", DeleteAsync).Produces(204);
        routes.MapPost("/v1/capsules/{id}/pause", PauseAsync).Produces<CapsuleView>();
        routes.MapPost("/v1/capsules/{id}/resume", ResumeAsync).Produces<CapsuleView>();
        routes.MapPost("/v1/capsules/{id}/ping", PingAsync).Produces(204);
    }

    private static async Task<IResult> CreateAsync(
        Caller caller, HttpRequest request, CapsuleOrders orders, CapsuleStore store, ControlPlaneOptions options, TimeProvider time)
    {
        var body = await ApiJson.ReadAsync<CreateCapsuleRequest>(request).ConfigureAwait(false);
        var templateName = body.Template ?? CapsuleSpec.DefaultTemplate;
        var vcpus = Zero(body.Vcpus) ?? 1;
        var memoryMb = Zero(body.MemoryMb) ?? ControlPlaneOptions.DefaultMemoryMb;
        var timeoutSec = body.TimeoutSec ?? 0;
        var autoResume = body.AutoResume ?? false;
        Require(TemplateCatalog.IsValidName(templateName), "template is not a valid template name");
        Require(vcpus >= 1 && vcpus <= options.MaxVcpus, $"vcpus must be between 1 and {options.MaxVcpus}");
        Require(memoryMb >= 128 && memoryMb <= options.MaxMemoryMb, $"memory_mb must be between 128 and {options.MaxMemoryMb}");
        // Each size is a template snapshot to boot and keep: a tenant cannot ask for one per odd number.
        Require(memoryMb % options.MemoryStepMb == 0, $"memory_mb must be a multiple of {options.MemoryStepMb}");
        Require(timeoutSec is >= 0 and <= 86400, "timeout_sec must be between 0 and 86400");

        var now = time.GetUtcNow();
        var idempotency = request.Headers["Idempotency-Key"].ToString();
        string? requestHash = null;
        if (idempotency.Length > 0)
        {
            Require(idempotency.Length <= 128 && idempotency.All(c => c is > ' ' and <= '~'), "Idempotency-Key must be 1-128 visible ASCII characters");
            requestHash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{templateName}\n{vcpus}\n{memoryMb}\n{timeoutSec}{(autoResume ? "\nauto_resume" : "")}")));
            if (await RepeatAsync(store, caller, idempotency, requestHash, now, request.HttpContext.RequestAborted).ConfigureAwait(false) is { } repeat)
            {
                return repeat;
            }
        }

        var order = new CapsuleOrder(templateName, vcpus, memoryMb, timeoutSec, autoResume,
            Idempotency: idempotency.Length > 0 ? idempotency : null, RequestHash: requestHash);
        var record = await orders.PlaceAsync(caller, order, request.HttpContext.RequestAborted).ConfigureAwait(false);
        if (record is null)
        {
            // A concurrent create with the same Idempotency-Key was recorded first: answer as for a repeat.
            return await RepeatAsync(store, caller, idempotency, requestHash!, now, request.HttpContext.RequestAborted).ConfigureAwait(false)
                ?? throw new ApiException(ApiErrorCode.Conflict, "Idempotency-Key is in use by a create in progress");
        }

        return ApiJson.Reply(CapsuleView.Of(record), StatusCodes.Status201Created);
    }

    /// <summary>The reply to a create whose Idempotency-Key the team used within 24 h; null when it did not.</summary>
    private static async Task<IResult?> RepeatAsync(CapsuleStore store, Caller caller, string key, string requestHash, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var earlier = await store.FindByIdempotencyAsync(caller.Team, key, (now - CapsuleStore.IdempotencyWindow).ToUnixTimeMilliseconds(), cancellationToken).ConfigureAwait(false);
        return earlier is null ? null
            : earlier.RequestHash == requestHash ? ApiJson.Reply(CapsuleView.Of(earlier), StatusCodes.Status201Created)
            : throw new ApiException(ApiErrorCode.Conflict, "Idempotency-Key was used with a different body");
    }

    private static async Task<IResult> ListAsync(Caller caller, HttpContext context, CapsuleStore store, CapsuleActivity activity)
    {
        var query = context.Request.Query;
        var statuses = ParseStatuses(query["status"].ToString());
        var limit = MaxListLimit;
        if (query.ContainsKey("limit"))
        {
            Require(int.TryParse(query["limit"], out limit) && limit is >= 1 and <= MaxListLimit, "limit must be between 1 and 1000");
        }

        var after = query.ContainsKey("cursor") ? ParseCursor(query["cursor"].ToString()) : ((long, string)?)null;
        var rows = await store.ListAsync(caller.Team, statuses, after, limit + 1, context.RequestAborted).ConfigureAwait(false);
        if (rows.Count > limit)
        {
            rows = rows.Take(limit).ToList();
            var last = rows[^1];
            context.Response.Headers["X-Next-Cursor"] = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{last.CreatedAt}:{last.Id}"))
                .TrimEnd('=').Replace('+', '-').Replace('/', '_');
        }

        return ApiJson.Reply(rows.Select(row => CapsuleView.Of(row, activity.LastActive(row.Id))).ToList());
    }

    private static async Task<IResult> GetAsync(Caller caller, string id, CapsuleStore store, CapsuleActivity activity, HttpContext context)
    {
        var record = await store.GetAsync(caller.Team, id, context.RequestAborted).ConfigureAwait(false) ?? throw ApiException.NotFound("capsule");
        return ApiJson.Reply(CapsuleView.Of(record, record.Status == Statuses.Running ? activity.LastActive(id) : null));
    }

    private static async Task<IResult> DeleteAsync(Caller caller, string id, CapsuleStore store, CapsuleLifecycle lifecycle, HttpContext context)
    {
        _ = await store.GetAsync(caller.Team, id, context.RequestAborted).ConfigureAwait(false) ?? throw ApiException.NotFound("capsule");
        await lifecycle.DeleteAsync(caller, id).ConfigureAwait(false);
        return Results.NoContent();
    }

    private static async Task<IResult> PauseAsync(Caller caller, string id, CapsuleStore store, CapsuleLifecycle lifecycle, HttpContext context)
    {
        _ = await store.GetAsync(caller.Team, id, context.RequestAborted).ConfigureAwait(false) ?? throw ApiException.NotFound("capsule");
        return ApiJson.Reply(CapsuleView.Of(await lifecycle.PauseAsync(caller, id, automatic: false, context.RequestAborted).ConfigureAwait(false)));
    }

    private static async Task<IResult> ResumeAsync(Caller caller, string id, CapsuleStore store, CapsuleLifecycle lifecycle, HttpContext context)
    {
        _ = await store.GetAsync(caller.Team, id, context.RequestAborted).ConfigureAwait(false) ?? throw ApiException.NotFound("capsule");
        return ApiJson.Reply(CapsuleView.Of(await lifecycle.ResumeAsync(caller, id, context.RequestAborted).ConfigureAwait(false)));
    }

    private static async Task<IResult> PingAsync(Caller caller, string id, CapsuleStore store, CapsuleActivity activity, HttpContext context)
    {
        var record = await store.GetAsync(caller.Team, id, context.RequestAborted).ConfigureAwait(false) ?? throw ApiException.NotFound("capsule");
        if (record.Status != Statuses.Running)
        {
            throw ApiException.State("only a running capsule can be pinged");
        }

        activity.Touch(id);
        return Results.NoContent();
    }

    private static IReadOnlyCollection<string> ParseStatuses(string text)
    {
        if (text.Length == 0)
        {
            return Statuses.Listed;
        }

        if (text == "all")
        {
            return Statuses.All.ToList();
        }

        var statuses = text.Split(',', StringSplitOptions.TrimEntries);
        Require(statuses.All(Statuses.All.Contains), "status must be a comma-separated list of capsule statuses, or all");
        return statuses;
    }

    private static (long CreatedAt, string Id) ParseCursor(string cursor)
    {
        try
        {
            var padded = cursor.Replace('-', '+').Replace('_', '/');
            padded += new string('=', (4 - (padded.Length % 4)) % 4);
            var parts = Encoding.UTF8.GetString(Convert.FromBase64String(padded)).Split(':', 2);
            if (parts.Length == 2 && long.TryParse(parts[0], out var createdAt))
            {
                return (createdAt, parts[1]);
            }
        }
        catch (FormatException)
        {
        }

        throw ApiException.Invalid("cursor is not valid");
    }

    private static int? Zero(int? value) => value == 0 ? null : value;
}
