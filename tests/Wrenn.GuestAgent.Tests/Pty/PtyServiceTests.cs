using System.Text;
using Google.Protobuf;
using Grpc.Core;
using Wrenn.Agent.Protocol;

namespace Wrenn.GuestAgent.Tests.Pty;

public sealed class PtyServiceTests(AgentServerFixture agent) : IClassFixture<AgentServerFixture>
{
    private Agent.Protocol.Pty.PtyClient Client => new(agent.Server.Invoker);

    [Fact]
    public async Task Session_HasATerminal_ResizesAndTakesOver()
    {
        var tag = "pty-" + Guid.NewGuid().ToString("N")[..8];
        using var first = Client.Open(AgentServer.Authorized(Timeout()));
        await first.RequestStream.WriteAsync(new PtyClientMessage { Start = new PtyStart { Cmd = "/bin/sh", Tag = tag, Cols = 91, Rows = 17 } });
        Assert.True(await first.ResponseStream.MoveNext(Timeout()));
        await first.RequestStream.WriteAsync(new PtyClientMessage { Input = ByteString.CopyFromUtf8("stty size; tty; echo done-$((1+1))\n") });
        var text = await ReadUntilAsync(first, "done-2");
        Assert.Contains("17 91", text, StringComparison.Ordinal);
        Assert.Contains("/dev/pts/", text, StringComparison.Ordinal);

        using var second = Client.Open(AgentServer.Authorized(Timeout()));
        await second.RequestStream.WriteAsync(new PtyClientMessage { Connect = new PtyConnect { Tag = tag } });
        Assert.True(await second.ResponseStream.MoveNext(Timeout()));
        var takenOver = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            while (await first.ResponseStream.MoveNext(Timeout()))
            {
            }
        });
        Assert.Equal(AgentErrorCode.AttachedElsewhere, AgentErrors.CodeOf(takenOver));

        await second.RequestStream.WriteAsync(new PtyClientMessage { Resize = new PtyResize { Cols = 50, Rows = 10 } });
        await second.RequestStream.WriteAsync(new PtyClientMessage { Input = ByteString.CopyFromUtf8("stty size; exit 4\n") });
        Assert.Contains("10 50", await ReadUntilAsync(second, "10 50"), StringComparison.Ordinal);
        while (await second.ResponseStream.MoveNext(Timeout()))
        {
            if (second.ResponseStream.Current.Exited is { } exited)
            {
                Assert.Equal(4, exited.ExitCode);
                return;
            }
        }

        Assert.Fail("no exit");
    }

    [Fact]
    public async Task Send_ReachesASessionByPid_WhoeverHoldsIt()
    {
        using var held = Client.Open(AgentServer.Authorized(Timeout()));
        await held.RequestStream.WriteAsync(new PtyClientMessage { Start = new PtyStart { Cmd = "/bin/sh", Cols = 80, Rows = 24 } });
        Assert.True(await held.ResponseStream.MoveNext(Timeout()));
        var pid = held.ResponseStream.Current.Started.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture);

        await Client.SendAsync(new PtySendRequest { Selector = pid, Message = new PtyClientMessage { Resize = new PtyResize { Cols = 66, Rows = 11 } } }, AgentServer.Authorized(Timeout()));
        await Client.SendAsync(new PtySendRequest { Selector = pid, Message = new PtyClientMessage { Input = ByteString.CopyFromUtf8("stty size; echo sent-$((2+2))\n") } },
            AgentServer.Authorized(Timeout()));
        var text = await ReadUntilAsync(held, "sent-4");
        var missing = await Assert.ThrowsAsync<RpcException>(async () =>
            await Client.SendAsync(new PtySendRequest { Selector = "no-such-session", Message = new PtyClientMessage { Input = ByteString.CopyFromUtf8("x") } },
                AgentServer.Authorized(Timeout())));
        var refused = await Assert.ThrowsAsync<RpcException>(async () =>
            await Client.SendAsync(new PtySendRequest { Selector = pid, Message = new PtyClientMessage { Connect = new PtyConnect { Tag = pid } } }, AgentServer.Authorized(Timeout())));
        await Client.SendAsync(new PtySendRequest { Selector = pid, Message = new PtyClientMessage { Kill = true } }, AgentServer.Authorized(Timeout()));

        Assert.Contains("11 66", text, StringComparison.Ordinal);
        Assert.Equal(AgentErrorCode.NotFound, AgentErrors.CodeOf(missing));
        Assert.Equal(AgentErrorCode.InvalidArgument, AgentErrors.CodeOf(refused));
        while (await held.ResponseStream.MoveNext(Timeout()))
        {
            if (held.ResponseStream.Current.Exited is not null)
            {
                return;
            }
        }

        Assert.Fail("the kill sent by pid did not end the session");
    }

    private static async Task<string> ReadUntilAsync(AsyncDuplexStreamingCall<PtyClientMessage, PtyServerMessage> call, string marker)
    {
        var text = new StringBuilder();
        while (!text.ToString().Contains(marker, StringComparison.Ordinal))
        {
            Assert.True(await call.ResponseStream.MoveNext(Timeout()), "ended early: " + text);
            text.Append(call.ResponseStream.Current.Output?.ToStringUtf8());
        }

        return text.ToString();
    }

    private static CancellationToken Timeout() => new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token;
}
