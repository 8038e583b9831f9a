using System.Text;
using Grpc.Core;
using Wrenn.Agent.Protocol;

namespace Wrenn.GuestAgent.Tests.Processes;

public sealed class ProcessesServiceTests(AgentServerFixture agent) : IClassFixture<AgentServerFixture>
{
    private Agent.Protocol.Processes.ProcessesClient Client => new(agent.Server.Invoker);

    [Fact]
    public async Task Start_CollectsStdoutStderrAndExitCode()
    {
        var (stdout, stderr, exited) = await RunAsync(new StartRequest { Cmd = "/bin/sh", Args = { "-c", "echo out; echo err >&2; exit 3" } });

        Assert.Equal("out\n", stdout);
        Assert.Equal("err\n", stderr);
        Assert.Equal(3, exited.ExitCode);
    }

    [Fact]
    public async Task Start_FeedsStdinAndSearchesPath()
    {
        var (stdout, _, exited) = await RunAsync(new StartRequest { Cmd = "tr", Args = { "a-z", "A-Z" }, Stdin = Google.Protobuf.ByteString.CopyFromUtf8("abc") });

        Assert.Equal("ABC", stdout);
        Assert.Equal(0, exited.ExitCode);
    }

    [Fact]
    public async Task Start_PipelineGetsDefaultSigpipe()
    {
        // The runtime ignores SIGPIPE; the child must not inherit that, or `yes | head` never ends.
        var (stdout, _, exited) = await RunAsync(new StartRequest { Cmd = "/bin/sh", Args = { "-c", "yes | head -n 2" }, TimeoutSec = 20 });

        Assert.Equal("y\ny\n", stdout);
        Assert.False(exited.TimedOut);
    }

    [Fact]
    public async Task Start_Timeout_KillsTheGroup()
    {
        var (_, _, exited) = await RunAsync(new StartRequest { Cmd = "sleep", Args = { "30" }, TimeoutSec = 1 });

        Assert.True(exited.TimedOut);
        Assert.Equal(9, exited.Signal);
        Assert.Equal(137, exited.ExitCode);
    }

    [Fact]
    public async Task Start_GrandchildHoldingThePipe_DoesNotHoldTheExitBack()
    {
        // The background sleep keeps stdout open for a minute; the exit comes once the output is quiet.
        var (stdout, _, exited) = await RunAsync(new StartRequest { Cmd = "/bin/sh", Args = { "-c", "sleep 60 & echo done" } });

        Assert.Equal("done\n", stdout);
        Assert.Equal(0, exited.ExitCode);
    }

    [Fact]
    public async Task Start_AConsumerThatDoesNotRead_SlowsOnlyItsOwnProcess_AndLosesNothing()
    {
        const int Bytes = 8 * 1024 * 1024;
        using var flood = Client.Start(new StartRequest { Cmd = "head", Args = { "-c", Bytes.ToString(System.Globalization.CultureInfo.InvariantCulture), "/dev/zero" }, DetachKills = true }, AgentServer.Authorized(Timeout()));
        Assert.True(await flood.ResponseStream.MoveNext(Timeout()));
        // Nobody reads the flood for now: its pipe fills, while another process's output flows.
        await Task.Delay(500);
        var (stdout, _, exited) = await RunAsync(new StartRequest { Cmd = "echo", Args = { "meanwhile" } });
        Assert.Equal("meanwhile\n", stdout);
        Assert.Equal(0, exited.ExitCode);

        long received = 0;
        Exited? floodExit = null;
        while (floodExit is null && await flood.ResponseStream.MoveNext(Timeout()))
        {
            received += flood.ResponseStream.Current.Output?.Data.Length ?? 0;
            floodExit = flood.ResponseStream.Current.Exited;
        }

        Assert.Equal(Bytes, received);
        Assert.Equal(0, floodExit?.ExitCode);
    }

    [Fact]
    public async Task Start_MissingCommand_IsCannotStart()
    {
        var failure = await Assert.ThrowsAsync<RpcException>(() => RunAsync(new StartRequest { Cmd = "no-such-command-anywhere" }));

        Assert.Equal(AgentErrorCode.CannotStart, AgentErrors.CodeOf(failure));
    }

    [Fact]
    public async Task Start_TakesARelativeOrTildeCwd_FromTheUsersHome()
    {
        var (home, _, _) = await RunAsync(new StartRequest { Cmd = "pwd", Cwd = "~", User = "root" });
        var (below, _, _) = await RunAsync(new StartRequest { Cmd = "pwd", Cwd = "~/../", User = "root" });

        Assert.Equal("/root\n", home);
        Assert.Equal("/\n", below);
    }

    [Fact]
    public async Task Start_UnknownUser_IsUnknownUser()
    {
        var failure = await Assert.ThrowsAsync<RpcException>(() => RunAsync(new StartRequest { Cmd = "true", User = "nobody-here-" + Guid.NewGuid().ToString("N")[..6] }));

        Assert.Equal(AgentErrorCode.UnknownUser, AgentErrors.CodeOf(failure));
    }

    [Fact]
    public async Task Background_WriteStdin_Attach_AndKill()
    {
        var tag = "cat-" + Guid.NewGuid().ToString("N")[..8];
        using (var start = Client.Start(new StartRequest { Cmd = "cat", Tag = tag, Kind = ProcessKind.Background, StdinOpen = true }, AgentServer.Authorized(Timeout())))
        {
            Assert.True(await start.ResponseStream.MoveNext(Timeout()));
        }

        await Client.WriteStdinAsync(new WriteStdinRequest { Selector = tag, Data = Google.Protobuf.ByteString.CopyFromUtf8("first\n") }, AgentServer.Authorized());
        using var attach = Client.Attach(new AttachRequest { Selector = tag }, AgentServer.Authorized(Timeout()));
        Assert.True(await attach.ResponseStream.MoveNext(Timeout()));
        Assert.Equal(tag, attach.ResponseStream.Current.Started.Tag);
        await Client.WriteStdinAsync(new WriteStdinRequest { Selector = tag, Data = Google.Protobuf.ByteString.CopyFromUtf8("second\n"), Close = true }, AgentServer.Authorized());

        var text = new StringBuilder();
        Exited? exited = null;
        while (exited is null && await attach.ResponseStream.MoveNext(Timeout()))
        {
            var message = attach.ResponseStream.Current;
            text.Append(message.Output?.Data.ToStringUtf8());
            exited = message.Exited;
        }

        Assert.Equal("first\nsecond\n", text.ToString());
        Assert.Equal(0, exited?.ExitCode);
        var listed = await Client.ListAsync(new ListProcessesRequest(), AgentServer.Authorized());
        Assert.DoesNotContain(listed.Processes, process => process.Tag == tag);
    }

    [Fact]
    public async Task Attach_LiveOnly_SkipsTheRetainedOutput()
    {
        var tag = "cat-" + Guid.NewGuid().ToString("N")[..8];
        using (var start = Client.Start(new StartRequest { Cmd = "cat", Tag = tag, Kind = ProcessKind.Background, StdinOpen = true }, AgentServer.Authorized(Timeout())))
        {
            Assert.True(await start.ResponseStream.MoveNext(Timeout()));
        }

        await Client.WriteStdinAsync(new WriteStdinRequest { Selector = tag, Data = Google.Protobuf.ByteString.CopyFromUtf8("retained\n") }, AgentServer.Authorized());
        using (var replayed = Client.Attach(new AttachRequest { Selector = tag }, AgentServer.Authorized(Timeout())))
        {
            // Started, then the retained line: it is in the replay buffer from here on.
            Assert.True(await replayed.ResponseStream.MoveNext(Timeout()));
            Assert.True(await replayed.ResponseStream.MoveNext(Timeout()));
            Assert.Equal("retained\n", replayed.ResponseStream.Current.Output.Data.ToStringUtf8());
        }

        using var live = Client.Attach(new AttachRequest { Selector = tag, LiveOnly = true }, AgentServer.Authorized(Timeout()));
        Assert.True(await live.ResponseStream.MoveNext(Timeout()));
        Assert.Equal(tag, live.ResponseStream.Current.Started.Tag);
        await Client.WriteStdinAsync(new WriteStdinRequest { Selector = tag, Data = Google.Protobuf.ByteString.CopyFromUtf8("new\n"), Close = true }, AgentServer.Authorized());

        var text = new StringBuilder();
        while (await live.ResponseStream.MoveNext(Timeout()) && live.ResponseStream.Current.Exited is null)
        {
            text.Append(live.ResponseStream.Current.Output?.Data.ToStringUtf8());
        }

        Assert.Equal("new\n", text.ToString());
    }

    [Fact]
    public async Task Signal_Kill_ReturnsAfterExit()
    {
        var tag = "sleeper-" + Guid.NewGuid().ToString("N")[..8];
        using (var start = Client.Start(new StartRequest { Cmd = "sleep", Args = { "60" }, Tag = tag, Kind = ProcessKind.Background }, AgentServer.Authorized(Timeout())))
        {
            Assert.True(await start.ResponseStream.MoveNext(Timeout()));
        }

        Assert.Contains((await Client.ListAsync(new ListProcessesRequest(), AgentServer.Authorized())).Processes, process => process.Tag == tag);
        await Client.SignalAsync(new SignalRequest { Selector = tag, Signal = 9 }, AgentServer.Authorized(Timeout()));

        Assert.DoesNotContain((await Client.ListAsync(new ListProcessesRequest(), AgentServer.Authorized())).Processes, process => process.Tag == tag);
    }

    private async Task<(string Stdout, string Stderr, Exited Exited)> RunAsync(StartRequest request)
    {
        request.DetachKills = true;
        using var call = Client.Start(request, AgentServer.Authorized(Timeout()));
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        await foreach (var message in call.ResponseStream.ReadAllAsync(Timeout()))
        {
            if (message.Exited is { } exited)
            {
                return (stdout.ToString(), stderr.ToString(), exited);
            }

            (message.Output?.Stream == OutputStream.Stderr ? stderr : stdout).Append(message.Output?.Data.ToStringUtf8());
        }

        throw new InvalidOperationException("no exit");
    }

    private static CancellationToken Timeout() => new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token;
}
