using Google.Protobuf;
using Grpc.Core;
using Wrenn.Agent.Protocol;

namespace Wrenn.GuestAgent.Tests.Files;

public sealed class FilesServiceTests(AgentServerFixture agent) : IClassFixture<AgentServerFixture>, IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("wrenn-files-").FullName;

    private Agent.Protocol.Files.FilesClient Client => new(agent.Server.Invoker);

    [Fact]
    public async Task Write_IsAtomic_AndCreatesParents()
    {
        var path = Path.Combine(_root, "a/b/c.txt");

        var entry = await WriteAsync(path, [ByteString.CopyFromUtf8("hello "), ByteString.CopyFromUtf8("world")], expectedSize: 11);

        Assert.Equal(path, entry.Path);
        Assert.Equal(11, entry.Size);
        Assert.Equal("hello world", await File.ReadAllTextAsync(path));
        Assert.Single(Directory.GetFiles(Path.GetDirectoryName(path)!));
    }

    [Fact]
    public async Task Write_WithWrongSize_LeavesTargetUnchanged()
    {
        var path = Path.Combine(_root, "kept.txt");
        await File.WriteAllTextAsync(path, "original");

        var failure = await Assert.ThrowsAsync<RpcException>(() => WriteAsync(path, [ByteString.CopyFromUtf8("short")], expectedSize: 100));

        Assert.Equal(AgentErrorCode.InvalidArgument, AgentErrors.CodeOf(failure));
        Assert.Equal("original", await File.ReadAllTextAsync(path));
        Assert.Single(Directory.GetFiles(_root));
    }

    [Fact]
    public async Task List_RespectsDepth_AndReportsTypes()
    {
        Directory.CreateDirectory(Path.Combine(_root, "d/e"));
        await File.WriteAllTextAsync(Path.Combine(_root, "d/e/deep.txt"), "x");
        File.CreateSymbolicLink(Path.Combine(_root, "link"), "d");

        var shallow = await Client.ListAsync(new ListRequest { Path = _root, Depth = 1 }, AgentServer.Authorized());
        var deep = await Client.ListAsync(new ListRequest { Path = _root, Depth = 3 }, AgentServer.Authorized());

        Assert.Equal(["d", "link"], shallow.Entries.Select(e => e.Name));
        Assert.Equal([FileType.Directory, FileType.Symlink], shallow.Entries.Select(e => e.Type));
        Assert.Contains(deep.Entries, e => e.Path == Path.Combine(_root, "d/e/deep.txt") && e.Type == FileType.File);
        Assert.Equal("d", shallow.Entries[1].SymlinkTarget);
    }

    [Fact]
    public async Task Remove_IsRecursive_AndMkdirConflicts()
    {
        var directory = Path.Combine(_root, "gone");
        await Client.MakeDirAsync(new PathRequest { Path = directory + "/inner" }, AgentServer.Authorized());
        var conflict = await Assert.ThrowsAsync<RpcException>(async () => await Client.MakeDirAsync(new PathRequest { Path = directory }, AgentServer.Authorized()));

        await Client.RemoveAsync(new PathRequest { Path = directory }, AgentServer.Authorized());

        Assert.Equal(AgentErrorCode.Conflict, AgentErrors.CodeOf(conflict));
        Assert.False(Directory.Exists(directory));
    }

    [Fact]
    public async Task Read_StreamsInChunks_WithSizeFirst()
    {
        var path = Path.Combine(_root, "big.bin");
        var content = new byte[300_000];
        new Random(3).NextBytes(content);
        await File.WriteAllBytesAsync(path, content);

        using var call = Client.Read(new ReadRequest { Path = path }, AgentServer.Authorized());
        var chunks = await call.ResponseStream.ReadAllAsync().ToListAsync();

        Assert.Equal(content.Length, chunks[0].Size);
        Assert.All(chunks, chunk => Assert.True(chunk.Data.Length <= 64 * 1024));
        Assert.Equal(content, chunks.SelectMany(chunk => chunk.Data.ToByteArray()).ToArray());
    }

    [Fact]
    public async Task Read_Directory_IsIsADirectory()
    {
        using var call = Client.Read(new ReadRequest { Path = _root }, AgentServer.Authorized());

        var failure = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext());

        Assert.Equal(AgentErrorCode.IsADirectory, AgentErrors.CodeOf(failure));
    }

    [Fact]
    public async Task Move_CreatesTheDestinationsParents_AndReplacesAFile()
    {
        var source = Path.Combine(_root, "from.txt");
        var destination = Path.Combine(_root, "to/deeper/moved.txt");
        await File.WriteAllTextAsync(source, "moving");
        await File.WriteAllTextAsync(Path.Combine(_root, "old.txt"), "old");

        var moved = await Client.MoveAsync(new MoveRequest { Source = source, Destination = destination }, AgentServer.Authorized());
        await Client.MoveAsync(new MoveRequest { Source = destination, Destination = Path.Combine(_root, "old.txt") }, AgentServer.Authorized());
        var missing = await Assert.ThrowsAsync<RpcException>(async () =>
            await Client.MoveAsync(new MoveRequest { Source = source, Destination = destination }, AgentServer.Authorized()));

        Assert.Equal(destination, moved.Path);
        Assert.Equal("moving", await File.ReadAllTextAsync(Path.Combine(_root, "old.txt")));
        Assert.Equal(AgentErrorCode.NotFound, AgentErrors.CodeOf(missing));
    }

    [Fact]
    public async Task WritesAndDirectories_OfANamedUser_BelongToIt()
    {
        var file = Path.Combine(_root, "theirs/sub/file.txt");

        var written = await WriteAsync(file, [ByteString.CopyFromUtf8("x")], expectedSize: 1, user: "nobody");
        var made = await Client.MakeDirAsync(new PathRequest { Path = Path.Combine(_root, "made/inner"), User = "nobody" }, AgentServer.Authorized());
        var unknown = await Assert.ThrowsAsync<RpcException>(async () =>
            await Client.MakeDirAsync(new PathRequest { Path = Path.Combine(_root, "x"), User = "no-such-user-here" }, AgentServer.Authorized()));

        Assert.Equal("nobody", written.Owner);
        Assert.Equal("nobody", made.Owner);
        Assert.Equal("nobody", (await Client.StatAsync(new PathRequest { Path = Path.Combine(_root, "theirs") }, AgentServer.Authorized())).Owner);
        Assert.Equal("nobody", (await Client.StatAsync(new PathRequest { Path = Path.Combine(_root, "made") }, AgentServer.Authorized())).Owner);
        Assert.Equal(AgentErrorCode.UnknownUser, AgentErrors.CodeOf(unknown));
    }

    [Fact]
    public async Task ReadAndList_TakeRelativePaths_FromTheCallsUsersHome()
    {
        // root's home is /root in the user database; a directory of this test's own below it.
        var name = ".wrenn-test-" + Guid.NewGuid().ToString("N");
        var directory = Path.Combine("/root", name);
        Directory.CreateDirectory(directory);
        try
        {
            await File.WriteAllTextAsync(Path.Combine(directory, "f.txt"), "home");

            var listed = await Client.ListAsync(new ListRequest { Path = name, User = "root" }, AgentServer.Authorized());
            using var read = Client.Read(new ReadRequest { Path = "~/" + name + "/f.txt", User = "root" }, AgentServer.Authorized());
            var chunks = await read.ResponseStream.ReadAllAsync().ToListAsync();
            var unknown = await Assert.ThrowsAsync<RpcException>(async () =>
                await Client.ListAsync(new ListRequest { Path = name, User = "no-such-user-here" }, AgentServer.Authorized()));

            Assert.Equal(Path.Combine(directory, "f.txt"), Assert.Single(listed.Entries).Path);
            Assert.Equal("home", string.Concat(chunks.Select(chunk => chunk.Data.ToStringUtf8())));
            Assert.Equal(AgentErrorCode.UnknownUser, AgentErrors.CodeOf(unknown));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task Metadata_IsWrittenWithTheFile_ReplacedByTheNextWrite_AndChecked()
    {
        var file = Path.Combine(_root, "tagged.txt");

        var written = await WriteAsync(file, [ByteString.CopyFromUtf8("x")], expectedSize: 1, metadata: new() { ["owner"] = "team a", ["stage"] = "raw" });
        var stat = await Client.StatAsync(new PathRequest { Path = file }, AgentServer.Authorized());
        var listed = await Client.ListAsync(new ListRequest { Path = _root }, AgentServer.Authorized());
        var rewritten = await WriteAsync(file, [ByteString.CopyFromUtf8("y")], expectedSize: 1, metadata: new() { ["stage"] = "clean" });
        var cleared = await WriteAsync(file, [ByteString.CopyFromUtf8("z")], expectedSize: 1);
        var refused = await Assert.ThrowsAsync<RpcException>(() => WriteAsync(file, [ByteString.CopyFromUtf8("w")], expectedSize: 1, metadata: new() { ["bad"] = "line\nbreak" }));
        var tooMuch = await Assert.ThrowsAsync<RpcException>(() => WriteAsync(file, [ByteString.CopyFromUtf8("w")], expectedSize: 1, metadata: new() { ["big"] = new string('v', 4096) }));

        var expected = new Dictionary<string, string> { ["owner"] = "team a", ["stage"] = "raw" };
        Assert.Equal(expected, written.Metadata);
        Assert.Equal(expected, stat.Metadata);
        Assert.Equal(expected, Assert.Single(listed.Entries, entry => entry.Name == "tagged.txt").Metadata);
        Assert.Equal(new Dictionary<string, string> { ["stage"] = "clean" }, rewritten.Metadata);
        Assert.Empty(cleared.Metadata);
        Assert.Equal(AgentErrorCode.InvalidArgument, AgentErrors.CodeOf(refused));
        Assert.Equal(AgentErrorCode.InvalidArgument, AgentErrors.CodeOf(tooMuch));
        Assert.Equal("z", await File.ReadAllTextAsync(file));
    }

    [Fact]
    public async Task Watch_ReportsAnUploadAsTheWriteOfItsTarget_NeverItsTemporaryFile()
    {
        var watched = Directory.CreateDirectory(Path.Combine(_root, "uploads")).FullName;
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var watch = Client.Watch(new WatchRequest { Path = watched }, AgentServer.Authorized(deadline.Token));
        Assert.True(await watch.ResponseStream.MoveNext(deadline.Token));

        await WriteAsync(Path.Combine(watched, "new.txt"), [ByteString.CopyFromUtf8("x")], expectedSize: 1);
        await WriteAsync(Path.Combine(watched, "new.txt"), [ByteString.CopyFromUtf8("y")], expectedSize: 1);
        Directory.CreateDirectory(Path.Combine(watched, "end"));

        var seen = new List<(string, WatchEventType)>();
        while (!seen.Contains(("end", WatchEventType.Create)) && await watch.ResponseStream.MoveNext(deadline.Token))
        {
            seen.Add((watch.ResponseStream.Current.Name, watch.ResponseStream.Current.Type));
        }

        Assert.Equal([("new.txt", WatchEventType.Create), ("new.txt", WatchEventType.Write), ("new.txt", WatchEventType.Write), ("end", WatchEventType.Create)], seen);
    }

    [Fact]
    public async Task Entries_OfDirectoriesAndSymlinks_HaveTheirOwnSize()
    {
        var directory = Directory.CreateDirectory(Path.Combine(_root, "sized")).FullName;
        File.CreateSymbolicLink(Path.Combine(_root, "link"), "sized");

        var dir = await Client.StatAsync(new PathRequest { Path = directory }, AgentServer.Authorized());
        var link = await Client.StatAsync(new PathRequest { Path = Path.Combine(_root, "link") }, AgentServer.Authorized());

        Assert.True(dir.Size > 0);
        Assert.Equal("sized".Length, link.Size);
        Assert.Equal("sized", link.SymlinkTarget);
    }

    [Fact]
    public async Task Watch_WithEntries_DescribesWhatExists()
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var watch = Client.Watch(new WatchRequest { Path = _root, IncludeEntry = true }, AgentServer.Authorized(deadline.Token));
        Assert.True(await watch.ResponseStream.MoveNext(deadline.Token));

        await File.WriteAllTextAsync(Path.Combine(_root, "seen.txt"), "12345", deadline.Token);
        var seen = new List<WatchEvent>();
        while (!seen.Any(change => change.Entry is not null) && await watch.ResponseStream.MoveNext(deadline.Token))
        {
            seen.Add(watch.ResponseStream.Current);
        }

        // Removed only once an event has described it: a path gone before its event is handled has no entry.
        File.Delete(Path.Combine(_root, "seen.txt"));
        while (!seen.Any(change => change.Type == WatchEventType.Remove) && await watch.ResponseStream.MoveNext(deadline.Token))
        {
            seen.Add(watch.ResponseStream.Current);
        }

        var described = seen.Where(change => change.Entry is not null).ToList();
        Assert.NotEmpty(described);
        Assert.All(described, change => Assert.Equal(Path.Combine(_root, "seen.txt"), change.Entry.Path));
        Assert.Null(seen.Single(change => change.Type == WatchEventType.Remove).Entry);
    }

    [Fact]
    public async Task Watch_ReportsChangesBelowTheDirectory_AfterItsFirstEvent()
    {
        Directory.CreateDirectory(Path.Combine(_root, "sub"));
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var watch = Client.Watch(new WatchRequest { Path = _root, Recursive = true }, AgentServer.Authorized(deadline.Token));
        Assert.True(await watch.ResponseStream.MoveNext(deadline.Token));
        Assert.Equal(WatchEventType.Unspecified, watch.ResponseStream.Current.Type);

        await File.WriteAllTextAsync(Path.Combine(_root, "sub/new.txt"), "x", deadline.Token);
        File.Move(Path.Combine(_root, "sub/new.txt"), Path.Combine(_root, "moved.txt"));
        File.Delete(Path.Combine(_root, "moved.txt"));

        var seen = new List<(string, WatchEventType)>();
        while (!seen.Contains(("moved.txt", WatchEventType.Remove)) && await watch.ResponseStream.MoveNext(deadline.Token))
        {
            seen.Add((watch.ResponseStream.Current.Name, watch.ResponseStream.Current.Type));
        }

        Assert.Contains(("sub/new.txt", WatchEventType.Create), seen);
        Assert.Contains(("sub/new.txt", WatchEventType.Rename), seen);
        Assert.Contains(("moved.txt", WatchEventType.Create), seen);
        var missing = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            using var gone = Client.Watch(new WatchRequest { Path = Path.Combine(_root, "nowhere") }, AgentServer.Authorized());
            await gone.ResponseStream.MoveNext();
        });
        Assert.Equal(AgentErrorCode.NotFound, AgentErrors.CodeOf(missing));
    }

    [Fact]
    public async Task Watch_ReportsWhatADirectoryMovedInAlreadyHolds()
    {
        var watched = Directory.CreateDirectory(Path.Combine(_root, "watched")).FullName;
        var outside = Directory.CreateDirectory(Path.Combine(_root, "outside/tree/inner")).FullName;
        await File.WriteAllTextAsync(Path.Combine(outside, "x.txt"), "x");
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var watch = Client.Watch(new WatchRequest { Path = watched, Recursive = true }, AgentServer.Authorized(deadline.Token));
        Assert.True(await watch.ResponseStream.MoveNext(deadline.Token));

        // inotify reports the moved directory only, never what it holds.
        Directory.Move(Path.Combine(_root, "outside/tree"), Path.Combine(watched, "tree"));

        var seen = new List<(string, WatchEventType)>();
        while (!seen.Contains(("tree/inner/x.txt", WatchEventType.Create)) && await watch.ResponseStream.MoveNext(deadline.Token))
        {
            seen.Add((watch.ResponseStream.Current.Name, watch.ResponseStream.Current.Type));
        }

        Assert.Equal([("tree", WatchEventType.Create), ("tree/inner", WatchEventType.Create), ("tree/inner/x.txt", WatchEventType.Create)], seen);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private async Task<FileEntry> WriteAsync(string path, ByteString[] chunks, long expectedSize, string user = "", Dictionary<string, string>? metadata = null)
    {
        using var call = Client.Write(AgentServer.Authorized());
        await call.RequestStream.WriteAsync(new WriteChunk { Header = new WriteHeader { Path = path, ExpectedSize = expectedSize, User = user, Metadata = { metadata ?? [] } } });
        foreach (var chunk in chunks)
        {
            await call.RequestStream.WriteAsync(new WriteChunk { Data = chunk });
        }

        await call.RequestStream.CompleteAsync();
        return await call.ResponseAsync;
    }
}
