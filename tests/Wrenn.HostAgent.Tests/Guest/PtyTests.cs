using System.Text;
using Grpc.Core;
using Wrenn.Agent.Protocol;
using Wrenn.HostAgent.Tests.Capsules;

namespace Wrenn.HostAgent.Tests.Guest;

[Collection(MinimalCapsuleGroup.Name)]
public sealed class PtyTests(MinimalCapsule booted)
{
    [Fact]
    public async Task Session_SurvivesDetach_AndReattachSeesRetainedOutput()
    {
        var pty = booted.Capsule.Agent.Pty;
        var tag = "pty-" + Guid.NewGuid().ToString("N")[..8];
        using (var first = pty.Open(cancellationToken: Timeout()))
        {
            await first.RequestStream.WriteAsync(new PtyClientMessage
            {
                Start = new PtyStart { Cmd = "/bin/bash", Tag = tag, Cols = 100, Rows = 30 },
            });
            Assert.True(await first.ResponseStream.MoveNext(Timeout()));
            Assert.Equal(tag, first.ResponseStream.Current.Started.Tag);

            await Input(first, "stty size; echo marker-$((40+2))\n");
            Assert.Contains("30 100", await ReadUntil(first, "marker-42"), StringComparison.Ordinal);
            await Input(first, "sleep 1; echo while-detached-$((6*7))\n");
            // The terminal's echo of the line proves the agent has it: a call torn down right after a
            // write may lose input still in flight, as with any cancelled stream.
            await ReadUntil(first, "while-detached-$((6*7))");
        }

        await Task.Delay(2000);
        using var second = pty.Open(cancellationToken: Timeout());
        await second.RequestStream.WriteAsync(new PtyClientMessage { Connect = new PtyConnect { Tag = tag } });
        Assert.True(await second.ResponseStream.MoveNext(Timeout()));
        Assert.Equal(tag, second.ResponseStream.Current.Started.Tag);
        await ReadUntil(second, "while-detached-42");

        await Input(second, "exit 3\n");
        while (await second.ResponseStream.MoveNext(Timeout()))
        {
            if (second.ResponseStream.Current.MessageCase == PtyServerMessage.MessageOneofCase.Exited)
            {
                Assert.Equal(3, second.ResponseStream.Current.Exited.ExitCode);
                return;
            }
        }

        Assert.Fail("the session ended without an exit message");
    }

    private static Task Input(AsyncDuplexStreamingCall<PtyClientMessage, PtyServerMessage> call, string text) =>
        call.RequestStream.WriteAsync(new PtyClientMessage { Input = Google.Protobuf.ByteString.CopyFromUtf8(text) });

    /// <summary>Reads output until it contains <paramref name="marker"/> , returning all text read.</summary>
    private static async Task<string> ReadUntil(AsyncDuplexStreamingCall<PtyClientMessage, PtyServerMessage> call, string marker)
    {
        var text = new StringBuilder();
        while (!text.ToString().Contains(marker, StringComparison.Ordinal))
        {
            Assert.True(await call.ResponseStream.MoveNext(Timeout()), "PTY stream ended early: " + text);
            var message = call.ResponseStream.Current;
            if (message.MessageCase == PtyServerMessage.MessageOneofCase.Output)
            {
                text.Append(message.Output.ToStringUtf8());
            }
        }

        return text.ToString();
    }

    private static CancellationToken Timeout() => new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token;
}
