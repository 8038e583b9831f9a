using System.Security.Cryptography;
using System.Text;
using Wrenn.Client.Tests.Server;

namespace Wrenn.Client.Tests.Streams;

/// <summary>Streaming exec through the SDK against a real capsule.</summary>
[Collection("server")]
public sealed class ExecSessionTests(ClientServer server)
{
    private WrennClient Wrenn => server.Wrenn;

    [Fact]
    public async Task Output_ArrivesInOrder_StderrApart_WithTheExitCode()
    {
        var capsule = await StreamsCapsule.GetAsync(server);
        await using var exec = await Wrenn.Streams.ExecAsync(capsule, ExecRequest.Shell("i=1; while [ $i -le 2000 ]; do echo line $i; i=$((i+1)); done; echo oops >&2; printf 'h\\303\\251'; exit 7"));
        Assert.True(exec.Pid > 0);
        Assert.StartsWith("proc-", exec.Tag, StringComparison.Ordinal);

        var (stdout, stderr, exit) = await CollectAsync(exec);
        var expected = string.Concat(Enumerable.Range(1, 2000).Select(i => $"line {i}\n")) + "hé";
        Assert.Equal(expected, Encoding.UTF8.GetString(stdout));
        Assert.Equal("oops\n", Encoding.UTF8.GetString(stderr));
        Assert.Equal((7, false), (exit.ExitCode, exit.TimedOut));
        Assert.Null(await exec.ReadAsync());
    }

    [Fact]
    public async Task BinaryOutput_IsExact()
    {
        var capsule = await StreamsCapsule.GetAsync(server);
        // 200 KiB of random bytes: many 16 KiB messages, every byte value, invalid UTF-8 everywhere.
        await using var exec = await Wrenn.Streams.ExecAsync(capsule, ExecRequest.Shell("head -c 204800 /dev/urandom > /tmp/random.bin && cat /tmp/random.bin"), binary: true);
        var (stdout, _, exit) = await CollectAsync(exec);
        Assert.Equal(0, exit.ExitCode);
        Assert.Equal(204800, stdout.Length);

        await using var sum = await Wrenn.Streams.ExecAsync(capsule, new ExecRequest("sha256sum", "/tmp/random.bin"));
        var (text, _, _) = await CollectAsync(sum);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(stdout)), Encoding.UTF8.GetString(text).Split(' ')[0]);
    }

    [Fact]
    public async Task ATimeout_KillsTheProcess_AndTheExitSaysSo()
    {
        var capsule = await StreamsCapsule.GetAsync(server);
        await using var exec = await Wrenn.Streams.ExecAsync(capsule, new ExecRequest("sleep", "30") { TimeoutSec = 1 });
        var (_, _, exit) = await CollectAsync(exec);
        Assert.True(exit.TimedOut);
    }

    [Fact]
    public async Task Stop_TerminatesTheProcess_AndTheStreamEndsWithItsExit()
    {
        var capsule = await StreamsCapsule.GetAsync(server);
        await using var exec = await Wrenn.Streams.ExecAsync(capsule, ExecRequest.Shell("echo ready; exec sleep 100"));
        var first = Assert.IsType<ExecOutput>(await exec.ReadAsync());
        Assert.Equal("ready\n", first.Text);
        await exec.StopAsync();
        var exit = Assert.IsType<ExecExit>(await exec.ReadAsync());
        Assert.Equal((128 + 15, false), (exit.ExitCode, exit.TimedOut));
    }

    [Fact]
    public async Task StartFailures_AreTyped()
    {
        var capsule = await StreamsCapsule.GetAsync(server);
        await Assert.ThrowsAsync<StreamStartException>(() => Wrenn.Streams.ExecAsync(capsule, new ExecRequest("no-such-command-here")));
        var badCwd = await Assert.ThrowsAsync<StreamStartException>(() => Wrenn.Streams.ExecAsync(capsule, new ExecRequest("true") { Cwd = "/no/such/dir" }));
        Assert.False(string.IsNullOrEmpty(badCwd.Message));
        var unknown = CapsuleId.Parse("cl-" + new string('0', 25));
        await Assert.ThrowsAsync<NotFoundException>(() => Wrenn.Streams.ExecAsync(unknown, new ExecRequest("true")));
    }

    [Fact]
    public async Task DisposingOrCancelling_BeforeTheExit_KillsTheProcess()
    {
        var capsule = await StreamsCapsule.GetAsync(server);
        var disposed = await Wrenn.Streams.ExecAsync(capsule, new ExecRequest("sleep", "100") { Tag = "disposed-early" });
        await disposed.DisposeAsync();
        Assert.True(await StreamsCapsule.WaitGoneAsync(server, capsule, "disposed-early", seconds: 5));

        await using var cancelled = await Wrenn.Streams.ExecAsync(capsule, new ExecRequest("sleep", "100") { Tag = "cancelled-early" });
        using var soon = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await cancelled.ReadAsync(soon.Token));
        Assert.True(await StreamsCapsule.WaitGoneAsync(server, capsule, "cancelled-early", seconds: 5));
    }

    [Fact]
    public async Task APause_EndsTheStream_AsInterrupted_AndTheProcessLivesOn()
    {
        var capsule = await StreamsCapsule.GetAsync(server);
        await using var exec = await Wrenn.Streams.ExecAsync(capsule, new ExecRequest("sleep", "100") { Tag = "outlives-pause" });
        var read = exec.ReadAsync().AsTask();
        await Wrenn.Capsules.PauseAsync(capsule);
        try
        {
            var interrupted = await Assert.ThrowsAsync<StreamInterruptedException>(() => read);
            Assert.Equal(CapsuleStatus.Paused, interrupted.CapsuleStatus);
        }
        finally
        {
            await Wrenn.Capsules.ResumeAsync(capsule);
            await Wrenn.Capsules.WaitForStatusAsync(capsule, CapsuleStatus.Running);
        }

        // Still running after the resume: attach to it, then end it.
        await using var attached = await Wrenn.Streams.AttachAsync(capsule, "outlives-pause");
        Assert.Equal(exec.Pid, attached.Pid);
        await StreamsCapsule.KillAsync(server, capsule, "outlives-pause");
        Assert.IsType<ExecExit>(await attached.ReadAsync());
    }



    internal static async Task<(byte[] Stdout, byte[] Stderr, ExecExit Exit)> CollectAsync(StreamedProcess process)
    {
        using var stdout = new MemoryStream();
        using var stderr = new MemoryStream();
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await foreach (var next in process.ReadAllAsync(limit.Token))
        {
            switch (next)
            {
                case ExecOutput output:
                    (output.Stream == OutputStreamKind.Stdout ? stdout : stderr).Write(output.Data.Span);
                    break;
                case ExecExit exit:
                    return (stdout.ToArray(), stderr.ToArray(), exit);
            }
        }

        throw new InvalidOperationException("the stream ended without an exit");
    }
}
