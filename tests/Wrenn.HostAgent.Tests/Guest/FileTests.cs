using System.Security.Cryptography;
using System.Text;
using Grpc.Core;
using Wrenn.Agent.Protocol;
using Wrenn.HostAgent.Guest;
using Wrenn.HostAgent.Tests.Capsules;

namespace Wrenn.HostAgent.Tests.Guest;

[Collection(MinimalCapsuleGroup.Name)]
public sealed class FileTests(MinimalCapsule booted)
{
    private GuestAgentClient Agent => booted.Capsule.Agent;

    [Fact]
    public async Task Text_RoundTrips_AndCreatesMissingParents()
    {
        var path = $"/tmp/{Unique()}/deep/er/note.txt";
        var entry = await FileTransfers.WriteAsync(Agent, path, Encoding.UTF8.GetBytes("héllo wörld\n"), Timeout());

        Assert.Equal(path, entry.Path);
        Assert.Equal(FileType.File, entry.Type);
        Assert.Equal("héllo wörld\n", Encoding.UTF8.GetString(await FileTransfers.ReadAsync(Agent, path, Timeout())));
        var seen = await Agent.Services.RunAsync("cat", path);
        Assert.Equal("héllo wörld\n", seen.StdoutText);
    }

    [Fact]
    public async Task Binary_RoundTrips()
    {
        var content = new byte[300_000];
        new Random(7).NextBytes(content);
        content[0] = 0;
        var path = $"/root/{Unique()}.bin";

        await FileTransfers.WriteAsync(Agent, path, content, Timeout());

        Assert.Equal(content, await FileTransfers.ReadAsync(Agent, path, Timeout()));
    }

    [Fact]
    public async Task Streamed200MB_RoundTripsWithMatchingChecksum()
    {
        const long size = 200L * 1024 * 1024;
        using var sent = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var path = $"/root/{Unique()}.big";

        await FileTransfers.WriteAsync(Agent, path, FileTransfers.Pattern(size, seed: 42, sent), size, Timeout(300));
        var (readSize, readHash) = await FileTransfers.ReadHashAsync(Agent, path, Timeout(300));

        Assert.Equal(size, readSize);
        Assert.Equal(Convert.ToHexString(sent.GetHashAndReset()), readHash);
        await Agent.Files.RemoveAsync(new PathRequest { Path = path });
    }

    [Fact]
    public async Task MakeDir_OnExistingPath_IsConflict()
    {
        var path = $"/tmp/{Unique()}";
        await Agent.Files.MakeDirAsync(new PathRequest { Path = path });

        var failure = await Assert.ThrowsAsync<RpcException>(async () => await Agent.Files.MakeDirAsync(new PathRequest { Path = path }));

        Assert.Equal(AgentErrorCode.Conflict, AgentErrors.CodeOf(failure));
    }

    [Fact]
    public async Task RelativeAndDotDotPaths_ResolveAgainstRootsHome()
    {
        var name = Unique();
        await FileTransfers.WriteAsync(Agent, $"{name}/a.txt", "relative"u8.ToArray(), Timeout());

        var entry = await Agent.Files.StatAsync(new PathRequest { Path = $"/tmp/../root/{name}/../{name}/a.txt" });

        Assert.Equal($"/root/{name}/a.txt", entry.Path);
        Assert.Equal("relative", Encoding.UTF8.GetString(await FileTransfers.ReadAsync(Agent, $"~/{name}/a.txt", Timeout())));
    }

    [Fact]
    public async Task Symlinks_AreReportedNotFollowedByStat_AndRemovedNotTheirTarget()
    {
        var directory = $"/tmp/{Unique()}";
        await FileTransfers.WriteAsync(Agent, $"{directory}/target.txt", "target"u8.ToArray(), Timeout());
        Assert.Equal(0, (await Agent.Services.RunAsync("ln", "-s", "target.txt", $"{directory}/link")).ExitCode);

        var link = await Agent.Files.StatAsync(new PathRequest { Path = $"{directory}/link" });
        Assert.Equal(FileType.Symlink, link.Type);
        Assert.Equal("target.txt", link.SymlinkTarget);
        Assert.Equal("target", Encoding.UTF8.GetString(await FileTransfers.ReadAsync(Agent, $"{directory}/link", Timeout())));

        await Agent.Files.RemoveAsync(new PathRequest { Path = $"{directory}/link" });
        var listing = await Agent.Files.ListAsync(new ListRequest { Path = directory, Depth = 1 });
        Assert.Equal(["target.txt"], listing.Entries.Select(e => e.Name));
    }

    [Fact]
    public async Task MissingPath_IsNotFound()
    {
        var failure = await Assert.ThrowsAsync<RpcException>(async () =>
            await Agent.Files.StatAsync(new PathRequest { Path = $"/tmp/{Unique()}/missing" }));

        Assert.Equal(AgentErrorCode.NotFound, AgentErrors.CodeOf(failure));
    }

    private static string Unique() => "t" + Guid.NewGuid().ToString("N")[..10];

    private static CancellationToken Timeout(int seconds = 60) => new CancellationTokenSource(TimeSpan.FromSeconds(seconds)).Token;
}
