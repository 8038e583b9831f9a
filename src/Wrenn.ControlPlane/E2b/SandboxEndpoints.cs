using System.Text.Json;
using Wrenn.ControlPlane.Api;
using Wrenn.ControlPlane.Capsules;
using Wrenn.ControlPlane.Identity;

namespace Wrenn.ControlPlane.E2b;

/// <summary>
/// E2B's control-plane REST API (docs/e2b.md) under <see cref="ControlPlaneOptions.E2bPath"/>:
/// the paths its SDKs call, mapped onto <see cref="Sandboxes"/>. Failures are written in E2B's
/// error shape (<see cref="E2bErrors"/>).
/// </summary>
internal static class SandboxEndpoints
{
    /// <summary>The client id E2B's replies carry (deprecated there, still required by its schema).</summary>
    private const string ClientId = "wrenn";

    public static void Map(IEndpointRouteBuilder routes, string path)
    {
        var e2b = routes.MapGroup(path).ExcludeFromDescription();
        e2b.MapPost("/sandboxes", (Caller caller, HttpRequest request, Sandboxes sandboxes, EnvdTokens tokens) =>
            CreateAsync(caller, request, sandboxes, tokens, defaultTimeoutSec: 15));
        e2b.MapPost("/v2/sandboxes", (Caller caller, HttpRequest request, Sandboxes sandboxes, EnvdTokens tokens) =>
            CreateAsync(caller, request, sandboxes, tokens, defaultTimeoutSec: 300));
        e2b.MapGet("/sandboxes", ListAsync);
        e2b.MapGet("/v2/sandboxes", ListAsync);
        e2b.MapGet("/sandboxes/{id}", GetAsync);
        e2b.MapDelete("/sandboxes/{id}", KillAsync);
        e2b.MapPost("/sandboxes/{id}/pause", PauseAsync);
        e2b.MapPost("/sandboxes/{id}/connect", ConnectAsync);
        e2b.MapPost("/v2/sandboxes/{id}/connect", ConnectAsync);
        e2b.MapPost("/sandboxes/{id}/resume", ResumeAsync);
        e2b.MapPost("/sandboxes/{id}/timeout", TimeoutAsync);
        e2b.MapPost("/sandboxes/{id}/refreshes", RefreshAsync);
        e2b.MapGet("/sandboxes/{id}/metrics", MetricsAsync);
        SandboxSnapshotEndpoints.Map(e2b);
    }

    private static async Task<IResult> CreateAsync(Caller caller, HttpRequest request, Sandboxes sandboxes, EnvdTokens tokens, int defaultTimeoutSec)
    {
        var body = await E2bJson.ReadAsync<NewSandboxRequest>(request).ConfigureAwait(false);
        var record = await sandboxes.CreateAsync(caller, body, defaultTimeoutSec, request.HttpContext.RequestAborted).ConfigureAwait(false);
        return E2bJson.Reply(await ReplyOfAsync(record, body.TemplateId ?? "base", tokens, request.HttpContext.RequestAborted).ConfigureAwait(false),
            StatusCodes.Status201Created);
    }

    private static async Task<IResult> GetAsync(Caller caller, string id, Sandboxes sandboxes, EnvdTokens tokens, HttpContext context)
    {
        var record = await sandboxes.GetAsync(caller, id, context.RequestAborted).ConfigureAwait(false);
        return E2bJson.Reply(DetailOf(record, await tokens.OfAsync(record.Id, context.RequestAborted).ConfigureAwait(false)));
    }

    /// <summary>
    /// <c>state</c> (comma-separated running, paused), <c>metadata</c> (a query string of key=value
    /// pairs, all of which must match), <c>template</c> (as E2B names it, or as Wrenn does),
    /// <c>startedAfter</c> (RFC 3339; inclusive), <c>order</c> by start (<c>desc</c>, the default, or
    /// <c>asc</c>), and <see cref="E2bPages"/>.
    /// </summary>
    private static async Task<IResult> ListAsync(Caller caller, Sandboxes sandboxes, HttpContext context)
    {
        var query = context.Request.Query;
        var states = query["state"].ToString().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        ApiException.Require(states.All(state => state is "running" or "paused"), "state must be running, paused or both");
        var order = query["order"].ToString();
        ApiException.Require(order is "" or "asc" or "desc", "order must be asc or desc");
        var startedAfter = DateTimeOffset.MinValue;
        ApiException.Require(!query.ContainsKey("startedAfter")
                             || DateTimeOffset.TryParse(query["startedAfter"], System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out startedAfter),
            "startedAfter must be an RFC 3339 time");
        var template = query["template"].ToString();
        var wanted = MetadataFilter(query["metadata"].ToString());
        var listed = (await sandboxes.ListAsync(caller, states.Length == 0 || states.Contains("running"), states.Length == 0 || states.Contains("paused"),
                context.RequestAborted).ConfigureAwait(false))
            .Where(row => Matches(row, wanted) && StartOf(row) >= startedAfter
                          && (template.Length == 0 || row.Template == template || row.Template == Sandboxes.TemplateOf(template)));
        var rows = E2bPages.Of(context, listed, row => new E2bPages.Place(StartOf(row).ToUnixTimeMilliseconds(), row.Id), descending: order != "asc");

        return E2bJson.Reply(rows.Select(row => DetailOf(row, envdAccessToken: null) with { Lifecycle = null }).ToList());
    }

    private static async Task<IResult> KillAsync(Caller caller, string id, Sandboxes sandboxes, HttpContext context)
    {
        await sandboxes.KillAsync(caller, id, context.RequestAborted).ConfigureAwait(false);
        return Results.NoContent();
    }

    private static async Task<IResult> PauseAsync(Caller caller, string id, Sandboxes sandboxes, HttpContext context)
    {
        await sandboxes.PauseAsync(caller, id, context.RequestAborted).ConfigureAwait(false);
        return Results.NoContent();
    }

    /// <summary>200 when the sandbox was running, 201 when this call resumed it.</summary>
    private static async Task<IResult> ConnectAsync(Caller caller, string id, HttpRequest request, Sandboxes sandboxes, EnvdTokens tokens)
    {
        var body = await E2bJson.ReadAsync<SandboxTimeRequest>(request).ConfigureAwait(false);
        var (record, resumed) = await sandboxes.ConnectAsync(caller, id, body.Timeout ?? 300, request.HttpContext.RequestAborted).ConfigureAwait(false);
        return E2bJson.Reply(await ReplyOfAsync(record, record.Template, tokens, request.HttpContext.RequestAborted).ConfigureAwait(false),
            resumed ? StatusCodes.Status201Created : StatusCodes.Status200OK);
    }

    /// <summary>The deprecated resume: a sandbox that is not paused is a 409.</summary>
    private static async Task<IResult> ResumeAsync(Caller caller, string id, HttpRequest request, Sandboxes sandboxes, EnvdTokens tokens)
    {
        var record = await sandboxes.GetAsync(caller, id, request.HttpContext.RequestAborted).ConfigureAwait(false);
        if (record.Status != Statuses.Paused)
        {
            throw new ApiException(ApiErrorCode.Conflict, "the sandbox is not paused");
        }

        return await ConnectAsync(caller, id, request, sandboxes, tokens).ConfigureAwait(false);
    }

    private static async Task<IResult> TimeoutAsync(Caller caller, string id, HttpRequest request, Sandboxes sandboxes)
    {
        var body = await E2bJson.ReadAsync<SandboxTimeRequest>(request).ConfigureAwait(false);
        ApiException.Require(body.Timeout is not null, "timeout is required");
        await sandboxes.SetTimeoutAsync(caller, id, body.Timeout!.Value, extendOnly: false, request.HttpContext.RequestAborted).ConfigureAwait(false);
        return Results.NoContent();
    }

    private static async Task<IResult> RefreshAsync(Caller caller, string id, HttpRequest request, Sandboxes sandboxes)
    {
        var body = await E2bJson.ReadAsync<SandboxTimeRequest>(request).ConfigureAwait(false);
        await sandboxes.SetTimeoutAsync(caller, id, body.Duration ?? 60, extendOnly: true, request.HttpContext.RequestAborted).ConfigureAwait(false);
        return Results.NoContent();
    }

    /// <summary>
    /// The samples between <c>start</c> and <c>end</c> (Unix seconds; by default the last 10
    /// minutes), from the control plane's per-capsule metrics (spec §4.12: kept up to 24 h). The
    /// disk's size is not sampled: <c>diskTotal</c> is 0, as is <c>memCache</c>.
    /// </summary>
    private static async Task<IResult> MetricsAsync(Caller caller, string id, HttpContext context, Sandboxes sandboxes, Usage.CapsuleMetricsStore metrics, TimeProvider time)
    {
        var record = await sandboxes.GetAsync(caller, id, context.RequestAborted).ConfigureAwait(false);
        var now = time.GetUtcNow().ToUnixTimeSeconds();
        var end = UnixSeconds(context, "end") ?? now;
        var start = UnixSeconds(context, "start") ?? end - 600;
        ApiException.Require(start <= end, "start must not be after end");
        var points = metrics.Query(record.Id, TimeSpan.FromSeconds(Math.Clamp(now - start, 1, 86400)), now)
            .Where(point => point.TimestampUnix >= start && point.TimestampUnix <= end)
            .Select(point => new SandboxMetric(DateTimeOffset.FromUnixTimeSeconds(point.TimestampUnix), point.TimestampUnix, (int)record.Vcpus, point.CpuPct,
                point.MemBytes, record.MemoryMb * 1024 * 1024, MemCache: 0, point.DiskBytes, DiskTotal: 0))
            .ToList();
        return E2bJson.Reply(points);
    }

    private static long? UnixSeconds(HttpContext context, string name)
    {
        var text = context.Request.Query[name].ToString();
        if (text.Length == 0)
        {
            return null;
        }

        ApiException.Require(long.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var seconds),
            $"{name} must be Unix seconds");
        return seconds;
    }

    public static async Task<SandboxReply> ReplyOfAsync(CapsuleRecord record, string templateId, EnvdTokens tokens, CancellationToken cancellationToken) =>
        new(record.Id, templateId, ClientId, Sandboxes.EnvdVersion, await tokens.OfAsync(record.Id, cancellationToken).ConfigureAwait(false), Domain: null);

    private static DateTimeOffset StartOf(CapsuleRecord record) => DateTimeOffset.FromUnixTimeMilliseconds(record.StartedAt ?? record.CreatedAt);

    private static SandboxDetail DetailOf(CapsuleRecord record, string? envdAccessToken)
    {
        var started = StartOf(record);
        return new SandboxDetail(record.Id, record.Template, ClientId, (int)record.Vcpus, (int)record.MemoryMb, DiskSizeMb: 0, Sandboxes.EnvdVersion,
            envdAccessToken, started, EndOf(record, started), Sandboxes.StateOf(record),
            MetadataOf(record), Domain: null,
            new SandboxLifecycle(record.ExpiryAction == ExpiryActions.Pause ? "pause" : "kill", record.AutoResume != 0));
    }

    /// <summary>
    /// The absolute end; for a capsule made through the v1 API, which has none, when its inactivity
    /// timeout would pause it if it stayed idle from its last activity, or never (year 9999).
    /// </summary>
    private static DateTimeOffset EndOf(CapsuleRecord record, DateTimeOffset started) =>
        record.ExpiresAt is { } end ? DateTimeOffset.FromUnixTimeMilliseconds(end)
        : record.TimeoutSec > 0 ? DateTimeOffset.FromUnixTimeMilliseconds(record.LastActiveAt ?? started.ToUnixTimeMilliseconds()).AddSeconds(record.TimeoutSec)
        : DateTimeOffset.MaxValue.ToUniversalTime().Date;

    private static Dictionary<string, string> MetadataOf(CapsuleRecord record) =>
        record.UserMetadata is { } json ? JsonSerializer.Deserialize<Dictionary<string, string>>(json) ?? [] : [];

    /// <summary>The SDK's metadata filter: one URL-encoded query string, <c>k1=v1&amp;k2=v2</c>.</summary>
    private static Dictionary<string, string> MetadataFilter(string text)
    {
        var filter = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in text.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = pair.Split('=', 2);
            filter[Uri.UnescapeDataString(parts[0])] = parts.Length == 2 ? Uri.UnescapeDataString(parts[1]) : string.Empty;
        }

        return filter;
    }

    private static bool Matches(CapsuleRecord record, Dictionary<string, string> wanted)
    {
        if (wanted.Count == 0)
        {
            return true;
        }

        var metadata = MetadataOf(record);
        return wanted.All(pair => metadata.TryGetValue(pair.Key, out var value) && value == pair.Value);
    }
}
