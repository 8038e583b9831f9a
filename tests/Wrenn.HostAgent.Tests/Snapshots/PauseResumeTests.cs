using System.Globalization;
using Wrenn.Agent.Protocol;
using Wrenn.Host.Protocol;
using Wrenn.HostAgent.Capsules;
using Wrenn.HostAgent.Snapshots;
using Wrenn.HostAgent.Tests.Capsules;
using Wrenn.HostAgent.Tests.Guest;

namespace Wrenn.HostAgent.Tests.Snapshots;

/// <summary>Pause and resume of real capsules: memory, processes and disk survive; failures are clean.</summary>
public sealed class PauseResumeTests : OwnRuntimeTests
{
    [Fact]
    public async Task CountingProcess_ContinuesAcrossThreeCycles_AndFilesStay()
    {
        var capsule = await Runtime.CreateAsync(new CapsuleSpec("minimal"), Timeout());
        await StartBackgroundAsync(capsule, "counter", "i=0; while true; do i=$((i+1)); echo $i > /tmp/count; sleep 0.1; done");
        await FileTransfers.WriteAsync(capsule.Agent, "/root/kept.txt", "written before pause"u8.ToArray(), Timeout());

        var last = 0;
        for (var cycle = 0; cycle < 3; cycle++)
        {
            await Task.Delay(500);
            var before = await CountAsync(capsule);
            Assert.True(before > last, $"counter did not advance: {before} after {last}");
            await Runtime.PauseAsync(capsule.Id, Timeout());
            Assert.Null(Runtime.Find(capsule.Id));
            // Known disk use: at least the overlay plus the snapshot (changed pages, device state),
            // in allocated bytes (the changed pages sit in a sparse file the size of RAM).
            var snapshotBytes = StoredSize.Of(capsule.Directory.Snapshots);
            Assert.True(snapshotBytes > 0 && Runtime.DiskUsage(capsule.Id) > snapshotBytes);
            capsule = await Runtime.ResumeAsync(capsule.Id, Timeout());
            var after = await CountAsync(capsule);
            // Same process, same memory: it goes on from where it was, never from 1.
            Assert.InRange(after, before, before + 20);
            last = after;
        }

        var listed = await capsule.Agent.Processes.ListAsync(new ListProcessesRequest(), cancellationToken: Timeout());
        Assert.Contains(listed.Processes, process => process.Tag == "counter");
        Assert.Equal("written before pause", (await capsule.Agent.Services.RunAsync("cat", "/root/kept.txt")).StdoutText);
        var clockSkew = TimeProvider.System.GetUtcNow().ToUnixTimeSeconds() - long.Parse((await capsule.Agent.Services.RunAsync("date", "+%s")).StdoutText.Trim(), CultureInfo.InvariantCulture);
        Assert.InRange(clockSkew, -5, 5);
    }

    [Fact]
    public async Task CallsMadeTheMomentAResumeReturns_AllSucceed()
    {
        // A busy guest, and the calls a user makes next issued all at once the moment resume
        // returns, five cycles in a row: none may fail because a restore just happened.
        var capsule = await Runtime.CreateAsync(new CapsuleSpec("minimal"), Timeout());
        await StartBackgroundAsync(capsule, "busy", "i=0; while true; do i=$((i+1)); echo $i > /tmp/count; done");
        var content = System.Security.Cryptography.RandomNumberGenerator.GetBytes(2 * 1024 * 1024);
        await FileTransfers.WriteAsync(capsule.Agent, "/root/data.bin", content, Timeout());

        for (var cycle = 0; cycle < 5; cycle++)
        {
            await Runtime.PauseAsync(capsule.Id, Timeout());
            capsule = await Runtime.ResumeAsync(capsule.Id, Timeout());
            var agent = capsule.Agent;
            var list = agent.Processes.ListAsync(new ListProcessesRequest(), cancellationToken: Timeout()).ResponseAsync;
            var read = FileTransfers.ReadAsync(agent, "/root/data.bin", Timeout());
            var exec = agent.Services.RunAsync("echo", "ok");
            var metrics = agent.Machine.MetricsAsync(new MetricsRequest(), cancellationToken: Timeout()).ResponseAsync;
            await Task.WhenAll(list, read, exec, metrics);

            Assert.Contains((await list).Processes, process => process.Tag == "busy");
            Assert.Equal(content, await read);
            Assert.Equal("ok\n", (await exec).StdoutText);
            Assert.True((await metrics).MemTotalBytes > 0);
        }
    }

    [Fact]
    public async Task BufferOf256MiB_HasTheSameChecksumAfterResume()
    {
        var capsule = await Runtime.CreateAsync(new CapsuleSpec("base-python"), Timeout());
        // 256 MiB in the process's heap (1 MiB of random bytes repeated); the checksum is taken
        // again, from the same memory, each time /tmp/go appears.
        const string Script = """
            import hashlib, os, time
            buffer = bytearray(os.urandom(1 << 20)) * 256
            round = 0
            while True:
                if round == 0 or os.path.exists("/tmp/go"):
                    digest = hashlib.sha256(buffer).hexdigest()
                    with open("/tmp/sum.tmp", "w") as out:
                        out.write(f"{round} {digest}")
                    os.rename("/tmp/sum.tmp", "/tmp/sum")
                    if round > 0:
                        os.remove("/tmp/go")
                    round += 1
                time.sleep(0.1)
            """;
        await FileTransfers.WriteAsync(capsule.Agent, "/root/hold.py", System.Text.Encoding.UTF8.GetBytes(Script), Timeout());
        using (var start = capsule.Agent.Processes.Start(new StartRequest { Cmd = "python3", Args = { "/root/hold.py" }, Kind = ProcessKind.Background }, cancellationToken: Timeout()))
        {
            Assert.True(await start.ResponseStream.MoveNext(Timeout()));
        }

        var before = await WaitForSumAsync(capsule, round: 0);
        await Runtime.PauseAsync(capsule.Id, Timeout());
        capsule = await Runtime.ResumeAsync(capsule.Id, Timeout());
        await capsule.Agent.Services.RunAsync("touch", "/tmp/go");
        var after = await WaitForSumAsync(capsule, round: 1);

        Assert.Equal(before, after);
    }

    [Fact]
    public async Task CorruptedSnapshot_FailsClearly_AndMissingOneToo()
    {
        var capsule = await Runtime.CreateAsync(new CapsuleSpec("minimal"), Timeout());
        await capsule.Agent.Services.RunAsync("true");
        await Runtime.PauseAsync(capsule.Id, Timeout());
        var generation = Directory.GetDirectories(capsule.Directory.Snapshots).Single();
        var files = new SnapshotFiles(generation);

        await File.AppendAllTextAsync(files.DeviceState, "garbage");
        var corrupted = await Assert.ThrowsAsync<CapsuleException>(() => Runtime.ResumeAsync(capsule.Id, Timeout()));
        File.Delete(files.DeviceState);
        var missing = await Assert.ThrowsAsync<CapsuleException>(() => Runtime.ResumeAsync(capsule.Id, Timeout()));

        Assert.Equal(CapsuleFailure.SnapshotCorrupt, corrupted.Failure);
        Assert.Equal(CapsuleFailure.SnapshotCorrupt, missing.Failure);
        Assert.Null(Runtime.Find(capsule.Id));
    }

    [Fact]
    public async Task HostKilledMidPause_LeavesTheCapsuleRunning()
    {
        var capsule = await Runtime.CreateAsync(new CapsuleSpec("minimal"), Timeout());
        await StartBackgroundAsync(capsule, "survivor", "while true; do sleep 1; done");
        // What a host agent killed between stopping the VM and committing the snapshot leaves:
        // a stopped VM, device state on disk, no manifest, and capsule.json saying "pausing".
        var files = new SnapshotFiles(Path.Combine(capsule.Directory.Snapshots, "gen-1"));
        Directory.CreateDirectory(files.Root);
        await (capsule.State with { Status = CapsuleStatus.Pausing }).SaveAsync(capsule.Directory, Timeout());
        await capsule.Vm.SnapshotAsync(files, keepRunning: false, Timeout());

        await Host.RestartAsync();
        var gone = await Runtime.AdoptAllAsync(Timeout());

        Assert.Empty(gone);
        var adopted = Runtime.Find(capsule.Id);
        Assert.NotNull(adopted);
        var listed = await adopted.Agent.Processes.ListAsync(new ListProcessesRequest(), cancellationToken: Timeout());
        Assert.Contains(listed.Processes, process => process.Tag == "survivor");
        Assert.Equal(CapsuleStatus.Running, CapsuleState.Load(capsule.Directory)?.Status);
    }

    [Fact]
    public async Task FullDiskDuringPause_FailsCleanly_AndTheCapsuleRunsOn()
    {
        // The capsule's directory on a small tmpfs that is then filled up: the pause cannot write
        // its snapshot.
        var root = Directory.CreateTempSubdirectory("wrenn-full-").FullName;
        await RunHostAsync("mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", root);
        try
        {
            await using var runtime = new CapsuleRuntime(
                new RuntimeOptions { DataDirectory = root, TemplatesDirectory = TestRuntime.TemplatesDirectory },
                new global::Wrenn.HostAgent.Vmm.Qemu.QemuDriver(Microsoft.Extensions.Logging.Abstractions.NullLogger<global::Wrenn.HostAgent.Vmm.Qemu.QemuDriver>.Instance),
                TestRuntime.Images, TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger<CapsuleRuntime>.Instance);
            var capsule = await runtime.CreateAsync(new CapsuleSpec("minimal"), Timeout());
            await capsule.Agent.Services.RunAsync("/bin/sh", "-c", "echo still-here > /root/marker");
            await RunHostAsync("/bin/sh", "-c", $"cat /dev/zero > {root}/filler 2>/dev/null; true");

            var failure = await Assert.ThrowsAsync<CapsuleException>(() => runtime.PauseAsync(capsule.Id, Timeout()));

            Assert.Equal(CapsuleFailure.PauseFailed, failure.Failure);
            Assert.Same(capsule, runtime.Find(capsule.Id));
            File.Delete(Path.Combine(root, "filler"));
            Assert.Equal("still-here\n", (await capsule.Agent.Services.RunAsync("cat", "/root/marker")).StdoutText);
            Assert.Equal(CapsuleStatus.Running, CapsuleState.Load(capsule.Directory)?.Status);
            Assert.Empty(Directory.GetDirectories(capsule.Directory.Snapshots));
            await runtime.DeleteAsync(capsule.Id, Timeout());
        }
        finally
        {
            await RunHostAsync("umount", "-l", root);
            Directory.Delete(root, recursive: true);
        }
    }

    private static async Task RunHostAsync(string program, params string[] arguments)
    {
        using var process = System.Diagnostics.Process.Start(program, arguments);
        await process.WaitForExitAsync(Timeout());
        Assert.Equal(0, process.ExitCode);
    }

    internal static async Task StartBackgroundAsync(Capsule capsule, string tag, string script)
    {
        using var start = capsule.Agent.Processes.Start(new StartRequest
        {
            Cmd = "/bin/sh",
            Args = { "-c", script },
            Tag = tag,
            Kind = ProcessKind.Background,
        }, cancellationToken: Timeout());
        Assert.True(await start.ResponseStream.MoveNext(Timeout()));
    }

    private static async Task<string> WaitForSumAsync(Capsule capsule, int round)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (waited.Elapsed < TimeSpan.FromMinutes(2))
        {
            var line = (await capsule.Agent.Services.RunAsync("/bin/sh", "-c", "cat /tmp/sum 2>/dev/null")).StdoutText.Split(' ');
            if (line.Length == 2 && line[0] == round.ToString(CultureInfo.InvariantCulture))
            {
                return line[1];
            }

            await Task.Delay(500);
        }

        throw new TimeoutException($"no checksum for round {round}");
    }

    private static async Task<int> CountAsync(Capsule capsule)
    {
        var text = (await capsule.Agent.Services.RunAsync("cat", "/tmp/count")).StdoutText.Trim();
        return int.Parse(text, CultureInfo.InvariantCulture);
    }

    internal static CancellationToken Timeout() => new CancellationTokenSource(TimeSpan.FromMinutes(3)).Token;
}
