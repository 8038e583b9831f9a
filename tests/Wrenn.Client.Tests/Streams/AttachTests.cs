using System.Text;
using Wrenn.Client.Tests.Server;

namespace Wrenn.Client.Tests.Streams;

/// <summary>Attaching to a background process through the SDK.</summary>
[Collection("server")]
public sealed class AttachTests(ClientServer server)
{
    private WrennClient Wrenn => server.Wrenn;

    [Fact]
    public async Task AnObserver_SeesTheRetainedOutput_ThenTheLiveOutput_ThenTheExit()
    {
        var capsule = await StreamsCapsule.GetAsync(server);
        var pid = await StreamsCapsule.StartBackgroundAsync(server, capsule, "attach-me", "echo one; echo two >&2; sleep 2; echo three; exit 5");
        await Task.Delay(300);

        await using var byTag = await Wrenn.Streams.AttachAsync(capsule, "attach-me");
        await using var byPid = await Wrenn.Streams.AttachAsync(capsule, pid);
        Assert.Equal((pid, "attach-me"), (byTag.Pid, byTag.Tag));
        foreach (var observer in new[] { byTag, byPid })
        {
            var (stdout, stderr, exit) = await ExecSessionTests.CollectAsync(observer);
            Assert.Equal("one\nthree\n", Encoding.UTF8.GetString(stdout));
            Assert.Equal("two\n", Encoding.UTF8.GetString(stderr));
            Assert.Equal(5, exit.ExitCode);
        }
    }

    [Fact]
    public async Task AnUnknownProcess_IsNotFound()
    {
        var capsule = await StreamsCapsule.GetAsync(server);
        await Assert.ThrowsAsync<NotFoundException>(() => Wrenn.Streams.AttachAsync(capsule, "no-such-process"));
    }
}
