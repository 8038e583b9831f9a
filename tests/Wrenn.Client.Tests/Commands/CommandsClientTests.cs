using System.Diagnostics;
using Wrenn.Client.Tests.Server;

namespace Wrenn.Client.Tests.Commands;

[Collection("server")]
public sealed class CommandsClientTests(ClientServer server)
{
    private WrennClient Wrenn => server.Wrenn;

    [Fact]
    public async Task ACommand_RunsWithItsEnvironment_AndReturnsItsOutput_TextOrBinary()
    {
        var capsule = await server.CreateRunningAsync();
        try
        {
            var result = await Wrenn.Commands.RunAsync(capsule.Id, ExecRequest.Shell("echo \"$GREETING\" from $(pwd); echo oops >&2; exit 3") with
            {
                Envs = new Dictionary<string, string> { ["GREETING"] = "hello" },
                Cwd = "/tmp",
                Tag = "greeter",
            });
            Assert.Equal(("hello from /tmp\n", "oops\n", 3, "greeter"), (result.Stdout, result.Stderr, result.ExitCode, result.Tag));
            Assert.Equal((capsule.Id, "/bin/sh"), (result.CapsuleId, result.Cmd));
            Assert.True(result.Pid > 0);
            Assert.False(result.IsBinary || result.TimedOut || result.Truncated || result.Succeeded);
            Assert.Equal("hello from /tmp\n"u8.ToArray(), result.StdoutBytes.ToArray());

            var binary = await Wrenn.Commands.RunAsync(capsule.Id, new ExecRequest("printf", "\\377\\001"));
            Assert.True(binary.IsBinary);
            Assert.Equal(new byte[] { 0xff, 0x01 }, binary.StdoutBytes.ToArray());
            Assert.True(binary.Succeeded);

            var slow = await Wrenn.Commands.RunAsync(capsule.Id, new ExecRequest("sleep", "10") { TimeoutSec = 1 });
            Assert.Equal((true, 124), (slow.TimedOut, slow.ExitCode));

            var missing = await Assert.ThrowsAsync<InvalidRequestException>(() => Wrenn.Commands.RunAsync(capsule.Id, new ExecRequest("no-such-command")));
            Assert.Equal(WrennErrorCode.InvalidRequest, missing.Code);
        }
        finally
        {
            await Wrenn.Capsules.DeleteAsync(capsule.Id);
        }
    }

    [Fact]
    public async Task ABackgroundCommand_OutlivesItsCall_AndItsTagIsTaken()
    {
        var capsule = await server.CreateRunningAsync();
        try
        {
            var started = await Wrenn.Commands.StartAsync(capsule.Id, ExecRequest.Shell("sleep 300") with { Tag = "sleeper" });
            Assert.Equal((capsule.Id, "sleeper", "/bin/sh"), (started.CapsuleId, started.Tag, started.Cmd));
            Assert.True(started.Pid > 0);
            Assert.Contains(await Wrenn.Processes.ListAsync(capsule.Id), process => process.Pid == started.Pid && process.Kind == ProcessKind.Background);

            var taken = await Assert.ThrowsAsync<ConflictException>(() => Wrenn.Commands.StartAsync(capsule.Id, new ExecRequest("true") { Tag = "sleeper" }));
            Assert.Equal(WrennErrorCode.Conflict, taken.Code);
        }
        finally
        {
            await Wrenn.Capsules.DeleteAsync(capsule.Id);
        }
    }

    [Fact]
    public async Task CancellingARun_EndsTheCallAtOnce_AndKillsTheCommand()
    {
        var capsule = await server.CreateRunningAsync();
        try
        {
            using var cancel = new CancellationTokenSource();
            var run = Wrenn.Commands.RunAsync(capsule.Id, new ExecRequest("sleep", "30") { Tag = "long-run" }, cancel.Token);
            while (!(await Wrenn.Processes.ListAsync(capsule.Id)).Any(process => process.Tag == "long-run"))
            {
                Assert.False(run.IsCompleted, "the command ended before it was seen running");
                await Task.Delay(100);
            }

            var watch = Stopwatch.StartNew();
            await cancel.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2), $"the call took {watch.Elapsed} to end");

            // The server kills the process group of a call whose client went away.
            while ((await Wrenn.Processes.ListAsync(capsule.Id)).Any(process => process.Tag == "long-run"))
            {
                Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), "the cancelled command still runs");
                await Task.Delay(100);
            }
        }
        finally
        {
            await Wrenn.Capsules.DeleteAsync(capsule.Id);
        }
    }
}
