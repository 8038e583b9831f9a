using Wrenn.Client.Tests.Server;

namespace Wrenn.Client.Tests.Processes;

[Collection("server")]
public sealed class ProcessesClientTests(ClientServer server)
{
    private WrennClient Wrenn => server.Wrenn;

    [Fact]
    public async Task Processes_AreListed_AndSignalledByTagOrPid()
    {
        var capsule = await server.CreateRunningAsync();
        try
        {
            // A process that records the signals it gets: the signal's name must reach the guest as the right one.
            // It says when its traps are set: a signal before that would end it (the guest may be slow to start a shell).
            var trapper = await Wrenn.Commands.StartAsync(capsule.Id,
                ExecRequest.Shell("trap 'echo usr1 >> /tmp/signals' USR1; trap 'echo term >> /tmp/signals; exit 0' TERM; echo ready > /tmp/signals; " +
                    "while true; do sleep 0.1; done") with { Tag = "trapper" });
            var sleeper = await Wrenn.Commands.StartAsync(capsule.Id, new ExecRequest("sleep", "300"));

            var listed = await Wrenn.Processes.ListAsync(capsule.Id);
            var info = Assert.Single(listed, process => process.Tag == "trapper");
            Assert.Equal((trapper.Pid, "/bin/sh", ProcessKind.Background, "-c"), (info.Pid, info.Cmd, info.Kind, info.Args[0]));
            Assert.Contains(listed, process => process.Pid == sleeper.Pid && process.Cmd == "sleep" && process.Args.SequenceEqual(["300"]));

            await WaitForAsync(async () => (await ReadTextAsync(capsule.Id, "/tmp/signals")) == "ready\n");
            await Wrenn.Processes.KillAsync(capsule.Id, "trapper", ProcessSignal.User1);
            await WaitForAsync(async () => (await ReadTextAsync(capsule.Id, "/tmp/signals")) == "ready\nusr1\n");
            await Wrenn.Processes.KillAsync(capsule.Id, ProcessSelector.Tag("trapper"), ProcessSignal.Terminate);
            await WaitForAsync(async () => !(await Wrenn.Processes.ListAsync(capsule.Id)).Any(process => process.Tag == "trapper"));
            Assert.Equal("ready\nusr1\nterm\n", await ReadTextAsync(capsule.Id, "/tmp/signals"));

            // SIGKILL by pid: the call returns once the process has left the list.
            await Wrenn.Processes.KillAsync(capsule.Id, sleeper.Pid);
            Assert.DoesNotContain(await Wrenn.Processes.ListAsync(capsule.Id), process => process.Pid == sleeper.Pid);

            var gone = await Assert.ThrowsAsync<NotFoundException>(() => Wrenn.Processes.KillAsync(capsule.Id, sleeper.Pid));
            Assert.Equal(WrennErrorCode.NotFound, gone.Code);
            await Assert.ThrowsAsync<NotFoundException>(() => Wrenn.Processes.KillAsync(capsule.Id, "no-such-tag", ProcessSignal.Hangup));
        }
        finally
        {
            await Wrenn.Capsules.DeleteAsync(capsule.Id);
        }
    }

    [Fact]
    public void ASelector_IsAPidOrATagThatIsNotAllDigits()
    {
        Assert.Equal("812", ProcessSelector.Pid(812).Value);
        Assert.Equal("worker-1", ((ProcessSelector)"worker-1").Value);
        Assert.Throws<ArgumentException>(() => ProcessSelector.Tag("123"));
        Assert.Throws<ArgumentOutOfRangeException>(() => ProcessSelector.Pid(0));
    }

    private async Task<string> ReadTextAsync(CapsuleId capsule, string path)
    {
        try
        {
            return System.Text.Encoding.UTF8.GetString(await Wrenn.Files.ReadAsync(capsule, path));
        }
        catch (NotFoundException)
        {
            return string.Empty;
        }
    }

    private static async Task WaitForAsync(Func<Task<bool>> condition)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), "the condition never held");
            await Task.Delay(100);
        }
    }
}
