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
