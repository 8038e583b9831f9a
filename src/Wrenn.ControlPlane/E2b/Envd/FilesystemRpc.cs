using Google.Protobuf.WellKnownTypes;
using AgentApi = Wrenn.Agent.Protocol;

namespace Wrenn.ControlPlane.E2b.Envd;

/// <summary>envd's filesystem service (unary calls) on the guest agent's Files service, as the request's user.</summary>
internal static class FilesystemRpc
{
    private const uint ListLimit = 10_000;

    public static Task ServeAsync(HttpContext context, SandboxCall call, string method) => method switch
    {
        "Stat" => StatAsync(context, call),
        "ListDir" => ListDirAsync(context, call),
        "MakeDir" => MakeDirAsync(context, call),
        "Move" => MoveAsync(context, call),
        "Remove" => RemoveAsync(context, call),
        "WatchDir" or "CreateWatcher" or "GetWatcherEvents" or "RemoveWatcher" => throw ConnectException.Unimplemented("watching a directory"),
        _ => throw new ConnectException(ConnectCode.Unimplemented, "no such method"),
    };

    private static async Task StatAsync(HttpContext context, SandboxCall call)
    {
        var request = await ConnectWire.ReadRequestAsync(context.Request, StatRequest.Parser, streaming: false).ConfigureAwait(false);
        var path = call.Resolve(request.Path);
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

        var path = call.Resolve(request.Path);
        var session = call.Session;
        var list = new AgentApi.ListRequest { Path = path, Depth = Math.Max(1, request.Depth), MaxEntries = ListLimit };
        var reply = await session.CallAsync(() => session.Agent.Files.ListAsync(list, cancellationToken: session.Token).ResponseAsync, path, lookup: true)
            .ConfigureAwait(false);
        var response = new ListDirResponse();
        response.Entries.AddRange(reply.Entries.Select(EntryOf));
        await ConnectWire.WriteUnaryAsync(context.Response, response).ConfigureAwait(false);
    }

    private static async Task MakeDirAsync(HttpContext context, SandboxCall call)
    {
        var request = await ConnectWire.ReadRequestAsync(context.Request, MakeDirRequest.Parser, streaming: false).ConfigureAwait(false);
        var path = call.Resolve(request.Path);
        var session = call.Session;
        var entry = await session.CallAsync(() => session.Agent.Files.MakeDirAsync(new AgentApi.PathRequest { Path = path, User = call.User }, cancellationToken: session.Token)
            .ResponseAsync, path).ConfigureAwait(false);
        await ConnectWire.WriteUnaryAsync(context.Response, new MakeDirResponse { Entry = EntryOf(entry) }).ConfigureAwait(false);
    }

    private static async Task MoveAsync(HttpContext context, SandboxCall call)
    {
        var request = await ConnectWire.ReadRequestAsync(context.Request, MoveRequest.Parser, streaming: false).ConfigureAwait(false);
        var move = new AgentApi.MoveRequest { Source = call.Resolve(request.Source), Destination = call.Resolve(request.Destination), User = call.User };
        var session = call.Session;
        var entry = await session.CallAsync(() => session.Agent.Files.MoveAsync(move, cancellationToken: session.Token).ResponseAsync, move.Source, lookup: true)
            .ConfigureAwait(false);
        await ConnectWire.WriteUnaryAsync(context.Response, new MoveResponse { Entry = EntryOf(entry) }).ConfigureAwait(false);
    }

    private static async Task RemoveAsync(HttpContext context, SandboxCall call)
    {
        var request = await ConnectWire.ReadRequestAsync(context.Request, RemoveRequest.Parser, streaming: false).ConfigureAwait(false);
        var path = call.Resolve(request.Path);
        var session = call.Session;
        await session.CallAsync(() => session.Agent.Files.RemoveAsync(new AgentApi.PathRequest { Path = path, User = call.User }, cancellationToken: session.Token)
            .ResponseAsync, path, lookup: true).ConfigureAwait(false);
        await ConnectWire.WriteUnaryAsync(context.Response, new RemoveResponse()).ConfigureAwait(false);
    }

    /// <summary>envd's entry for the agent's; other kinds of file (devices, sockets) are UNSPECIFIED, which the SDK skips.</summary>
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
            info.SymlinkTarget = entry.SymlinkTarget;
        }

        return info;
    }
}
