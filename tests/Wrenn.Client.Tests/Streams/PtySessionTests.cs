using System.Text;
using Wrenn.Client.Tests.Server;

namespace Wrenn.Client.Tests.Streams;

/// <summary>Terminal sessions through the SDK: bash in a real PTY.</summary>
[Collection("server")]
public sealed class PtySessionTests(ClientServer server)
{
    private WrennClient Wrenn => server.Wrenn;

    [Fact]
    public async Task Bash_Computes_Resizes_IsInterrupted_AndIsKilled()
    {
        var capsule = await StreamsCapsule.GetAsync(server);
        await using var pty = await Wrenn.Terminals.StartAsync(capsule, new PtyOptions { Cols = 80, Rows = 24 });
        Assert.True(pty.Pid > 0);
        Assert.StartsWith("pty-", pty.Tag, StringComparison.Ordinal);
        var screen = new Screen(pty);

        await pty.WriteAsync("echo $((6*7))\n");
        await screen.WaitForAsync("42\r\n");

        await pty.ResizeAsync(100, 30);
        await pty.WriteAsync("stty size\n");
        await screen.WaitForAsync("30 100\r\n");

        // Ctrl-C reaches the foreground job: the shell answers long before the sleep would end.
        await pty.WriteAsync("sleep 100\n");
        await Task.Delay(500);
        await pty.WriteAsync(new byte[] { 0x03 });
        await pty.WriteAsync("echo after-$((1+1))\n");
        await screen.WaitForAsync("after-2\r\n", seconds: 10);

        await pty.KillAsync();
        var exit = await screen.WaitForExitAsync();
        Assert.Equal(128 + 9, exit.ExitCode);
        Assert.Null(await pty.ReadAsync());
    }

    [Fact]
    public async Task ADetachedSession_RunsOn_KeepsItsOutput_AndIsTakenOverByTag()
    {
        var capsule = await StreamsCapsule.GetAsync(server);
        var first = await Wrenn.Terminals.StartAsync(capsule, new PtyOptions { Tag = "sdk-detach" });
        Assert.Equal("sdk-detach", first.Tag);
        await first.WriteAsync("sleep 1; echo done-$((3*3))\n");
        await first.DisposeAsync();

        await Task.Delay(2000);
        await using var second = await Wrenn.Terminals.ConnectAsync(capsule, "sdk-detach");
        Assert.Equal(first.Pid, second.Pid);
        var screen = new Screen(second);
        await screen.WaitForAsync("done-9\r\n");

        // A new connect takes the session over: the attached connection ends.
        await using var third = await Wrenn.Terminals.ConnectAsync(capsule, "sdk-detach");
        await Assert.ThrowsAsync<WrennStreamException>(async () =>
        {
            while (await second.ReadAsync() is not null)
            {
            }
        });

        await third.WriteAsync("exit 3\n");
        Assert.Equal(3, (await new Screen(third).WaitForExitAsync()).ExitCode);
        await Assert.ThrowsAsync<StreamStartException>(() => Wrenn.Terminals.ConnectAsync(capsule, "sdk-detach"));
    }

    /// <summary>What a session printed so far, read up to an expected text.</summary>
    private sealed class Screen(PtySession session)
    {
        private readonly StringBuilder _text = new();

        public async Task WaitForAsync(string expected, int seconds = 30)
        {
            using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
            while (!_text.ToString().Contains(expected, StringComparison.Ordinal))
            {
                var next = await session.ReadAsync(limit.Token) ?? throw new InvalidOperationException($"the session ended; it printed: {_text}");
                if (next is PtyOutput output)
                {
                    _text.Append(Encoding.UTF8.GetString(output.Data.Span));
                }
            }

            _text.Clear();
        }

        public async Task<PtyExit> WaitForExitAsync()
        {
            using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            while (true)
            {
                if (await session.ReadAsync(limit.Token) is PtyExit exit)
                {
                    return exit;
                }
            }
        }
    }
}
