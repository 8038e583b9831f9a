using Wrenn.ControlPlane.Api;
using Wrenn.ControlPlane.Identity;

namespace Wrenn.ControlPlane.E2b;

/// <summary>E2B's snapshot and fork paths (<see cref="SandboxSnapshots"/>), in the group <see cref="SandboxEndpoints"/> maps.</summary>
internal static class SandboxSnapshotEndpoints
{
    public static void Map(RouteGroupBuilder e2b)
    {
        e2b.MapPost("/sandboxes/{id}/snapshots", CreateAsync);
        e2b.MapGet("/snapshots", ListAsync);
        e2b.MapDelete("/templates/{snapshotId}", DeleteAsync);
        e2b.MapPost("/sandboxes/{id}/fork", ForkAsync);
    }

    private static async Task<IResult> CreateAsync(Caller caller, string id, HttpRequest request, SandboxSnapshots snapshots)
    {
        var body = await E2bJson.ReadAsync<SnapshotRequest>(request).ConfigureAwait(false);
        var template = await snapshots.SnapshotAsync(caller, id, body.Name, request.HttpContext.RequestAborted).ConfigureAwait(false);
        return E2bJson.Reply(new SnapshotInfo(template.Name, [template.Name]), StatusCodes.Status201Created);
    }

    /// <summary><c>sandboxID</c> and <c>name</c> filters, and <see cref="E2bPages"/>, newest first.</summary>
    private static async Task<IResult> ListAsync(Caller caller, HttpContext context, SandboxSnapshots snapshots)
    {
        var query = context.Request.Query;
        var listed = await snapshots.ListAsync(caller, NonEmpty(query["sandboxID"]), NonEmpty(query["name"]), context.RequestAborted).ConfigureAwait(false);
        var rows = E2bPages.Of(context, listed, row => new E2bPages.Place(row.CreatedAt, row.Name), descending: true);
        return E2bJson.Reply(rows.Select(row => new SnapshotInfo(row.Name, [row.Name])).ToList());
    }

    private static async Task<IResult> DeleteAsync(Caller caller, string snapshotId, HttpContext context, SandboxSnapshots snapshots)
    {
        await snapshots.DeleteAsync(caller, snapshotId, context.RequestAborted).ConfigureAwait(false);
        return Results.NoContent();
    }

    private static async Task<IResult> ForkAsync(Caller caller, string id, HttpRequest request, SandboxSnapshots snapshots, EnvdTokens tokens)
    {
        var body = await E2bJson.ReadAsync<ForkRequest>(request).ConfigureAwait(false);
        var cancellation = request.HttpContext.RequestAborted;
        var forks = await snapshots.ForkAsync(caller, id, body.Count ?? 1, body.Timeout ?? 15, cancellation).ConfigureAwait(false);
        var results = new List<ForkResult>();
        foreach (var (sandbox, failure) in forks)
        {
            results.Add(sandbox is not null
                ? new ForkResult(await SandboxEndpoints.ReplyOfAsync(sandbox, sandbox.Template, tokens, cancellation).ConfigureAwait(false), null)
                : new ForkResult(null, new ForkError(failure!.Status ?? ApiErrorCodes.StatusOf(failure.Code), failure.Message)));
        }

        return E2bJson.Reply(results, StatusCodes.Status201Created);
    }

    private static string? NonEmpty(Microsoft.Extensions.Primitives.StringValues value) => value.ToString() is { Length: > 0 } text ? text : null;
}
