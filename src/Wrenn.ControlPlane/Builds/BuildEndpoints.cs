using System.Net.WebSockets;
using System.Text.Json;
using Wrenn.ControlPlane.Api;
using Wrenn.ControlPlane.Identity;
using Wrenn.ControlPlane.Streams;
using static Wrenn.ControlPlane.Api.ApiException;

namespace Wrenn.ControlPlane.Builds;

/// <summary>The multipart form of POST /v1/builds, for the OpenAPI document.</summary>
internal sealed record BuildUpload(string Config, IFormFile? Archive);

/// <summary>
/// Template builds (docs/builds.md): create, list, get, cancel, delete, and the log, live over a
/// WebSocket; and admins' builds of platform templates, which every team sees.
/// </summary>
internal static class BuildEndpoints
{
    public static void Map(IEndpointRouteBuilder routes)
    {
        routes.MapPost("/v1/builds", CreateAsync).Body<BuildRequest>().Body<BuildUpload>("multipart/form-data").Produces<BuildView>(201);
        routes.MapGet("/v1/builds", ListAsync).Produces<BuildView[]>();
        routes.MapGet("/v1/builds/{id}", GetAsync).Produces<BuildView>();
        routes.MapPost("/v1/builds/{id}/cancel", CancelAsync).Produces(204);
        routes.MapDelete("/v1/builds/{id}", DeleteAsync).Produces(204);
        routes.MapGet("/v1/builds/{id}/logs", LogsAsync).Produces<BuildLogView[]>().Produces(101);
        routes.MapPost("/v1/admin/builds", CreatePlatformAsync).Body<BuildRequest>().Body<BuildUpload>("multipart/form-data").Produces<BuildView>(201)
            .WithMetadata(new SessionOnlyAttribute());
        routes.MapGet("/v1/admin/builds", ListPlatformAsync).Produces<BuildView[]>().WithMetadata(new SessionOnlyAttribute());
    }

    private static Task<IResult> CreateAsync(Caller caller, HttpRequest request, TemplateBuilds builds) =>
        SubmitAsync(caller, request, builds, platform: false);

    private static async Task<IResult> CreatePlatformAsync(Caller caller, HttpRequest request, TemplateBuilds builds)
    {
        await builds.RequireAdminAsync(caller, request.HttpContext.RequestAborted).ConfigureAwait(false);
        return await SubmitAsync(caller, request, builds, platform: true).ConfigureAwait(false);
    }

    private static async Task<IResult> ListPlatformAsync(Caller caller, HttpContext http, BuildStore store, TemplateBuilds builds)
    {
        await builds.RequireAdminAsync(caller, http.RequestAborted).ConfigureAwait(false);
        return ApiJson.Reply((await store.ListPlatformAsync(http.RequestAborted).ConfigureAwait(false)).Select(build => BuildView.Of(build, logs: null)).ToList());
    }

    private static async Task<IResult> SubmitAsync(Caller caller, HttpRequest request, TemplateBuilds builds, bool platform)
    {
        if (request.ContentType?.StartsWith("multipart/", StringComparison.OrdinalIgnoreCase) != true)
        {
            var body = await ApiJson.ReadAsync<BuildRequest>(request).ConfigureAwait(false);
            return Reply(await builds.CreateAsync(caller, body, archive: null, platform, request.HttpContext.RequestAborted).ConfigureAwait(false), logs: []);
        }

        // Multipart: the config part (JSON) first, then the archive, streamed to disk as it arrives.
        var reader = Multipart.Reader(request, "the body must be JSON, or multipart/form-data with parts config and archive");
        BuildRequest? config = null;
        while (await Multipart.NextPartAsync(reader, request.HttpContext.RequestAborted).ConfigureAwait(false) is { } part)
        {
            var name = Multipart.PartName(part);
            var content = ClientBody.Part(part.Body, request.HttpContext.RequestAborted);
            if (name == "config")
            {
                Require(config is null, "the config part appears twice");
                config = await ReadConfigAsync(content, request.HttpContext.RequestAborted).ConfigureAwait(false);
            }
            else if (name == "archive")
            {
                Require(config is not null, "multipart form requires a 'config' JSON field before the archive");
                var build = await builds.CreateAsync(caller, config!, content, platform, request.HttpContext.RequestAborted).ConfigureAwait(false);
                return Reply(build, logs: []);
            }
        }

        Require(config is not null, "multipart form requires a 'config' JSON field");
        return Reply(await builds.CreateAsync(caller, config!, archive: null, platform, request.HttpContext.RequestAborted).ConfigureAwait(false), logs: []);
    }

    private static async Task<IResult> ListAsync(Caller caller, HttpContext http, BuildStore store) =>
        ApiJson.Reply((await store.ListAsync(caller.Team, http.RequestAborted).ConfigureAwait(false)).Select(build => BuildView.Of(build, logs: null)).ToList());

    private static async Task<IResult> GetAsync(Caller caller, string id, HttpContext http, BuildStore store)
    {
        var build = await store.GetAsync(caller.Team, id, http.RequestAborted).ConfigureAwait(false) ?? throw NotFound("build");
        return ApiJson.Reply(BuildView.Of(build, await store.LogsAsync(id, http.RequestAborted).ConfigureAwait(false)));
    }

    private static async Task<IResult> CancelAsync(Caller caller, string id, HttpContext http, TemplateBuilds builds)
    {
        await builds.CancelAsync(caller, id, http.RequestAborted).ConfigureAwait(false);
        return Results.NoContent();
    }

    private static async Task<IResult> DeleteAsync(Caller caller, string id, HttpContext http, TemplateBuilds builds)
    {
        await builds.DeleteAsync(caller, id, http.RequestAborted).ConfigureAwait(false);
        return Results.NoContent();
    }

    /// <summary>
    /// The step log: a JSON array, or with a WebSocket upgrade the log so far and then each step as
    /// it ends, with <c>status</c> messages; the socket closes after the build's last status.
    /// </summary>
    private static async Task<IResult> LogsAsync(string id, HttpContext http, BuildStore store, BuildFeed feed, StreamAdmission admission)
    {
        if (!http.WebSockets.IsWebSocketRequest)
        {
            var caller = await Caller.BindAsync(http).ConfigureAwait(false);
            _ = await store.GetAsync(caller!.Team, id, http.RequestAborted).ConfigureAwait(false) ?? throw NotFound("build");
            return ApiJson.Reply((await store.LogsAsync(id, http.RequestAborted).ConfigureAwait(false)).Select(BuildLogView.Of).ToList());
        }

        var admitted = await admission.AcceptAsync(http, async caller =>
            _ = await store.GetAsync(caller.Team, id, http.RequestAborted).ConfigureAwait(false) ?? throw NotFound("build")).ConfigureAwait(false);
        if (admitted is not var (_, socket))
        {
            return Results.Empty;
        }

        // Before the database is read: nothing published in between is missed.
        using var subscription = feed.Subscribe(id);
        await using (socket.ConfigureAwait(false))
        {
            await RelayAsync(id, socket, store, subscription, http.RequestAborted).ConfigureAwait(false);
        }

        return Results.Empty;
    }

    private static async Task RelayAsync(string id, StreamSocket socket, BuildStore store, BuildFeed.Subscription subscription, CancellationToken cancellationToken)
    {
        try
        {
            if (await store.GetAsync(id, cancellationToken).ConfigureAwait(false) is not { } build)
            {
                // Deleted since the socket was admitted (a team deletion).
                await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "build deleted").ConfigureAwait(false);
                return;
            }

            long sent = 0;
            foreach (var log in await store.LogsAsync(id, cancellationToken).ConfigureAwait(false))
            {
                await socket.SendAsync(StepMessage(log), cancellationToken).ConfigureAwait(false);
                sent = log.Step;
            }

            await socket.SendAsync(new { type = "status", status = build.Status, error = build.Error }, cancellationToken).ConfigureAwait(false);
            if (!BuildStatuses.IsFinished(build.Status))
            {
                await foreach (var message in subscription.Events.ReadAllAsync(cancellationToken).ConfigureAwait(false))
                {
                    if (message is OutputEvent output && output.Step > sent)
                    {
                        await socket.SendAsync(new { type = "output", step = output.Step, stream = output.Stream, data = output.Data }, cancellationToken).ConfigureAwait(false);
                    }
                    else if (message is StepEvent step && step.Log.Step > sent)
                    {
                        await socket.SendAsync(StepMessage(step.Log), cancellationToken).ConfigureAwait(false);
                        sent = step.Log.Step;
                    }
                    else if (message is StatusEvent status)
                    {
                        await socket.SendAsync(new { type = "status", status = status.Status, error = status.Error }, cancellationToken).ConfigureAwait(false);
                        if (BuildStatuses.IsFinished(status.Status))
                        {
                            break;
                        }
                    }
                }
            }

            await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "build finished").ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is OperationCanceledException or WebSocketException)
        {
            // The client left.
        }
    }

    private static object StepMessage(BuildLogRecord log)
    {
        var view = BuildLogView.Of(log);
        return new { type = "step", view.Step, view.Phase, view.Cmd, view.Stdout, view.Stderr, view.Exit, view.Ok, view.ElapsedMs };
    }

    private static async Task<BuildRequest> ReadConfigAsync(Stream part, CancellationToken cancellationToken)
    {
        try
        {
            return await JsonSerializer.DeserializeAsync<BuildRequest>(part, ApiJson.Options, cancellationToken).ConfigureAwait(false)
                ?? throw Invalid("invalid config JSON in multipart form");
        }
        catch (JsonException)
        {
            throw Invalid("invalid config JSON in multipart form");
        }
    }

    private static IResult Reply(BuildRecord build, IReadOnlyList<BuildLogRecord> logs) => ApiJson.Reply(BuildView.Of(build, logs), StatusCodes.Status201Created);
}
