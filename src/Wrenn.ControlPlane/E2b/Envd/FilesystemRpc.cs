using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Wrenn.ControlPlane.Api;
using AgentApi = Wrenn.Agent.Protocol;

namespace Wrenn.ControlPlane.E2b.Envd;

/// <summary>
/// envd's filesystem service on the guest agent's Files service, as the request's user: unary
/// calls, and WatchDir's stream (its start event, then changes, with keepalives; it ends at the
/// call's deadline with <c>deadline_exceeded</c>, as E2B's daemon does).
/// </summary>
internal sealed class FilesystemRpc(SandboxEnds ends, TimeProvider time)
{
    private static readonly WatchDirResponse Keepalive = new() { Keepalive = new WatchDirResponse.Types.KeepAlive() };

    private const uint ListLimit = 10_000;

    /// <summary>The service's methods, each with its metrics route.</summary>
    public static readonly RpcMethods<FilesystemRpc> Methods = new("/filesystem.Filesystem/", new()
    {
        ["Stat"] = (_, context, call) => StatAsync(context, call),
        ["ListDir"] = (_, context, call) => ListDirAsync(context, call),
        ["MakeDir"] = (_, context, call) => MakeDirAsync(context, call),
        ["Move"] = (_, context, call) => MoveAsync(context, call),
        ["Remove"] = (_, context, call) => RemoveAsync(context, call),
        ["WatchDir"] = (rpc, context, call) => rpc.WatchDirAsync(context, call),
        ["CreateWatcher"] = PolledWatchers,
        ["GetWatcherEvents"] = PolledWatchers,
        ["RemoveWatcher"] = PolledWatchers,
    });

    public Task ServeAsync(HttpContext context, SandboxCall call, string method) => Methods.ServeAsync(this, context, call, method);

    private static Task PolledWatchers(FilesystemRpc rpc, HttpContext context, SandboxCall call) => throw ConnectException.Unimplemented("polled directory watchers");

    private static async Task StatAsync(HttpContext context, SandboxCall call)
    {
        var request = await ConnectWire.ReadRequestAsync(context.Request, StatRequest.Parser, streaming: false).ConfigureAwait(false);
        var path = SandboxCall.PathOf(request.Path);
        var session = call.Session;
        var entry = await session.CallAsync(() => session.Agent.Files.StatAsync(new AgentApi.PathRequest { Path = path, User = call.User }, cancellationToken: session.Token)
            .ResponseAsync, path, lookup: true).ConfigureAwait(false);
        await ConnectWire.WriteUnaryAsync(context.Response, new StatResponse { Entry = EntryOf(entry) }).ConfigureAwait(false);
    }

    private static async Task ListDirAsync(HttpContext context, SandboxCall call)
    {
        var request = await ConnectWire.ReadRequestAsync(context.Request, ListDirRequest.Parser, streaming: false).ConfigureAwait(false);
        if (request.Depth > 10)
        {
            throw ConnectException.Invalid("depth must be between 1 and 10");
        }

        var path = SandboxCall.PathOf(request.Path);
        var session = call.Session;
        var list = new AgentApi.ListRequest { Path = path, Depth = Math.Max(1, request.Depth), MaxEntries = ListLimit, User = call.User };
        var reply = await session.CallAsync(() => session.Agent.Files.ListAsync(list, cancellationToken: session.Token).ResponseAsync, path, lookup: true)
            .ConfigureAwait(false);
        var response = new ListDirResponse();
        response.Entries.AddRange(reply.Entries.Select(EntryOf));
        await ConnectWire.WriteUnaryAsync(context.Response, response).ConfigureAwait(false);
    }

    private static async Task MakeDirAsync(HttpContext context, SandboxCall call)
    {
        var request = await ConnectWire.ReadRequestAsync(context.Request, MakeDirRequest.Parser, streaming: false).ConfigureAwait(false);
        var path = SandboxCall.PathOf(request.Path);
        var session = call.Session;
        var entry = await session.CallAsync(() => session.Agent.Files.MakeDirAsync(new AgentApi.PathRequest { Path = path, User = call.User }, cancellationToken: session.Token)
            .ResponseAsync, path).ConfigureAwait(false);
        await ConnectWire.WriteUnaryAsync(context.Response, new MakeDirResponse { Entry = EntryOf(entry) }).ConfigureAwait(false);
    }

    private static async Task MoveAsync(HttpContext context, SandboxCall call)
    {
        var request = await ConnectWire.ReadRequestAsync(context.Request, MoveRequest.Parser, streaming: false).ConfigureAwait(false);
        var move = new AgentApi.MoveRequest { Source = SandboxCall.PathOf(request.Source), Destination = SandboxCall.PathOf(request.Destination), User = call.User };
        var session = call.Session;
        var entry = await session.CallAsync(() => session.Agent.Files.MoveAsync(move, cancellationToken: session.Token).ResponseAsync, move.Source, lookup: true)
            .ConfigureAwait(false);
        await ConnectWire.WriteUnaryAsync(context.Response, new MoveResponse { Entry = EntryOf(entry) }).ConfigureAwait(false);
    }

    private static async Task RemoveAsync(HttpContext context, SandboxCall call)
    {
        var request = await ConnectWire.ReadRequestAsync(context.Request, RemoveRequest.Parser, streaming: false).ConfigureAwait(false);
        var path = SandboxCall.PathOf(request.Path);
        var session = call.Session;
        try
        {
            await session.CallAsync(() => session.Agent.Files.RemoveAsync(new AgentApi.PathRequest { Path = path, User = call.User }, cancellationToken: session.Token)
                .ResponseAsync, path, lookup: true).ConfigureAwait(false);
        }
        catch (ApiException missing) when (missing.Code == ApiErrorCode.NotFound)
        {
            // E2B's daemon removes as os.RemoveAll does: a path that is not there is removed already.
        }

        await ConnectWire.WriteUnaryAsync(context.Response, new RemoveResponse()).ConfigureAwait(false);
    }

    private async Task WatchDirAsync(HttpContext context, SandboxCall call)
    {
        var request = await ConnectWire.ReadRequestAsync(context.Request, WatchDirRequest.Parser, streaming: true).ConfigureAwait(false);
        var path = SandboxCall.PathOf(request.Path);
        var session = call.Session;
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(session.Token);
        if (ConnectWire.TimeoutOf(context.Request) is { } deadline)
        {
            limit.CancelAfter(deadline);
        }

        using var watch = session.Agent.Files.Watch(new AgentApi.WatchRequest { Path = path, Recursive = request.Recursive, User = call.User, IncludeEntry = request.IncludeEntry }, cancellationToken: limit.Token);
        var events = watch.ResponseStream;
        if (!await session.CallAsync(() => events.MoveNext(limit.Token), path, lookup: true).ConfigureAwait(false))
        {
            throw new ConnectException(ConnectCode.Internal, "the guest agent did not start the watch");
        }

        var response = context.Response;
        await ConnectWire.BeginStreamAsync(response).ConfigureAwait(false);
        ConnectException? ending = null;
        try
        {
            await ConnectWire.WriteMessageAsync(response, new WatchDirResponse { Start = new WatchDirResponse.Types.StartEvent() }, limit.Token).ConfigureAwait(false);
            var keepalive = ConnectWire.KeepaliveOf(context.Request);
            while (true)
            {
                var next = events.MoveNext(limit.Token);
                await ConnectWire.KeepAliveUntilAsync(next, response, Keepalive, keepalive, time, limit.Token).ConfigureAwait(false);
                if (!await next.ConfigureAwait(false))
                {
                    break;
                }

                var change = new FilesystemEvent { Name = events.Current.Name, Type = (EventType)(int)events.Current.Type };
                if (events.Current.Entry is { } entry)
                {
                    change.Entry = EntryOf(entry);
                }

                await ConnectWire.WriteMessageAsync(response, new WatchDirResponse { Filesystem = change }, limit.Token).ConfigureAwait(false);
            }
        }
        catch (Exception exception) when (exception is OperationCanceledException or RpcException && !context.RequestAborted.IsCancellationRequested)
        {
            if (session.Token.IsCancellationRequested)
            {
                await ends.CutAsync(context, call.Record.Id).ConfigureAwait(false);
                return;
            }

            ending = new ConnectException(ConnectCode.DeadlineExceeded, "the watch reached its deadline");
        }
        catch (Exception exception) when (exception is OperationCanceledException or RpcException)
        {
            // The client went away: the watch ends with it.
            return;
        }

        await ConnectWire.EndStreamAsync(response, ending, context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>envd's entry for the agent's; other kinds of file (devices, sockets) are UNSPECIFIED, which the SDK skips.</summary>
    /// <summary>
    /// A symlink's target as envd gives it, absolute (the agent gives the link's own text); the text
    /// as it is when the guest's strings make no path.
    /// </summary>
    private static string AbsoluteTarget(string link, string target)
    {
        var directory = Path.GetDirectoryName(link);
        if (target.StartsWith('/') || string.IsNullOrEmpty(directory) || !directory.StartsWith('/'))
        {
            return target;
        }

        try
        {
            return Path.GetFullPath(target, directory);
        }
        catch (ArgumentException)
        {
            // A NUL or the like from the guest: not a path to resolve.
            return target;
        }
    }

    public static EntryInfo EntryOf(AgentApi.FileEntry entry)
    {
        var info = new EntryInfo
        {
            Name = entry.Name,
            Path = entry.Path,
            Type = entry.Type switch
            {
                AgentApi.FileType.File => FileType.File,
                AgentApi.FileType.Directory => FileType.Directory,
                AgentApi.FileType.Symlink => FileType.Symlink,
                _ => FileType.Unspecified,
            },
            Size = entry.Size,
            Mode = entry.Mode,
            Permissions = entry.Permissions,
            Owner = entry.Owner,
            Group = entry.Group,
            ModifiedTime = Timestamp.FromDateTimeOffset(DateTimeOffset.FromUnixTimeSeconds(entry.ModifiedAtUnix)),
        };
        if (entry.HasSymlinkTarget)
        {
            info.SymlinkTarget = AbsoluteTarget(entry.Path, entry.SymlinkTarget);
        }

        info.Metadata.Add(entry.Metadata);
        return info;
    }
}
