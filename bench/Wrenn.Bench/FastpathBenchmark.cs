using System.Diagnostics;
using System.Globalization;
using Wrenn.Client;

namespace Wrenn.Bench;

/// <summary>
/// Issue "fast path", through the public API (the SDK) of a live server: what exec adds above the
/// guest's own process start, file streaming each way, pause and resume of a capsule holding
/// 64 MiB of changed memory against an idle one, and a cold boot. docs/performance.md explains the
/// figures.
/// </summary>
internal static class FastpathBenchmark
{
    private const int Calls = 20;
    private const int WarmUpCalls = 5;
    private const int Cycles = 3;
    private const long FileBytes = 64L << 20;

    public static async Task RunAsync(ApiServer server)
    {
        using var wrenn = new WrennClient(new WrennClientOptions { BaseUrl = server.Address, ApiKey = server.Key });
        var idle = await CreateRunningAsync(wrenn, new CreateCapsuleOptions());
        var busy = await CreateRunningAsync(wrenn, new CreateCapsuleOptions());
        try
        {
            var (exec, spawn, above) = await ExecAsync(wrenn, idle);
            var (write, read) = await FilesAsync(wrenn, idle);
            // 64 MiB of changed memory (tmpfs lives in guest RAM) and a process that keeps running.
            await wrenn.Commands.RunAsync(busy, ExecRequest.Shell("head -c 64M /dev/urandom > /dev/shm/busy && (while :; do sleep 1; done) >/dev/null 2>&1 &"));
            var (busyPause, busyResume) = await CyclesAsync(wrenn, busy, "busy (64 MiB changed)");
            var (_, idleResume) = await CyclesAsync(wrenn, idle, "idle");
            var coldBoot = await ColdBootAsync(wrenn);

            var overhead = exec.Median - spawn.Median;
            Console.WriteLine();
            Console.WriteLine("Fast path (API through the SDK, live server)");
            Console.WriteLine(Samples.Header());
            foreach (var samples in new[] { exec, spawn, above, write, read, busyPause, busyResume, idleResume, coldBoot })
            {
                Console.WriteLine(samples.Row());
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"exec overhead above the guest's spawn: {overhead:0.0} ms (target <= 5); busy resume / idle resume: {busyResume.Median / idleResume.Median:0.00} (target <= 1.3)"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"RESULT fastpath exec_overhead_ms={overhead:0.0} guest_spawn_ms={spawn.Median:0.0} file_write_mbps={write.Median:0.0} file_read_mbps={read.Median:0.0} busy_pause_s={busyPause.Median:0.000} busy_resume_s={busyResume.Median:0.000} busy_over_idle_resume={busyResume.Median / idleResume.Median:0.00} cold_boot_s={coldBoot.Median:0.00}"));
        }
        finally
        {
            await wrenn.Capsules.DeleteAsync(idle);
            await wrenn.Capsules.DeleteAsync(busy);
        }
    }

    private static async Task<CapsuleId> CreateRunningAsync(WrennClient wrenn, CreateCapsuleOptions options)
    {
        var created = await wrenn.Capsules.CreateAsync(options);
        return (await wrenn.Capsules.WaitForStatusAsync(created.Id, CapsuleStatus.Running)).Id;
    }

    /// <summary>
    /// API exec of <c>true</c>, and the guest's own spawn of it (a loop of spawns inside the guest,
    /// per spawn), in alternating rounds after a warm-up, so that both see the same machine: two
    /// capsules run beside the calls, and two cores make every figure move with what else runs.
    /// </summary>
    private static async Task<(Samples Exec, Samples Spawn, Samples Above)> ExecAsync(WrennClient wrenn, CapsuleId capsule)
    {
        var exec = new Samples("API exec `true`", "ms", target: null);
        var spawn = new Samples("guest's own spawn of `true`", "ms", target: null);
        var above = new Samples("API exec minus its own duration_ms", "ms", target: null);
        for (var i = 0; i < WarmUpCalls; i++)
        {
            await wrenn.Commands.RunAsync(capsule, new ExecRequest("true"));
        }

        for (var round = 0; round < Cycles; round++)
        {
            for (var i = 0; i < Calls; i++)
            {
                var watch = Stopwatch.StartNew();
                var result = await wrenn.Commands.RunAsync(capsule, new ExecRequest("true"));
                exec.Add(watch.Elapsed.TotalMilliseconds);
                above.Add(watch.Elapsed.TotalMilliseconds - result.Duration.TotalMilliseconds);
            }

            var loop = await wrenn.Commands.RunAsync(capsule, ExecRequest.Shell(
                "s=$(date +%s%N); for i in $(seq 20); do /bin/true; done; e=$(date +%s%N); echo $(( (e - s) / 20000 ))"));
            spawn.Add(double.Parse(loop.Stdout.Trim(), CultureInfo.InvariantCulture) / 1000);
        }

        return (exec, spawn, above);
    }

    /// <summary>64 MiB of random bytes streamed in and out.</summary>
    private static async Task<(Samples Write, Samples Read)> FilesAsync(WrennClient wrenn, CapsuleId capsule)
    {
        var write = new Samples("file upload (64 MiB, streamed)", "MB/s", target: 100, higherIsBetter: true);
        var read = new Samples("file download (64 MiB, streamed)", "MB/s", target: 100, higherIsBetter: true);
        var content = new byte[FileBytes];
        new Random(1).NextBytes(content);
        for (var i = 0; i < Cycles; i++)
        {
            var watch = Stopwatch.StartNew();
            await wrenn.Files.UploadAsync(capsule, "/tmp/fastpath.bin", new MemoryStream(content));
            write.Add(FileBytes / 1e6 / watch.Elapsed.TotalSeconds);
            watch.Restart();
            var received = await wrenn.Files.DownloadAsync(capsule, "/tmp/fastpath.bin", Stream.Null);
            read.Add(received / 1e6 / watch.Elapsed.TotalSeconds);
        }

        await wrenn.Files.RemoveAsync(capsule, "/tmp/fastpath.bin");
        return (write, read);
    }

    /// <summary>Pause (until the reply), then resume until a first exec has answered.</summary>
    private static async Task<(Samples Pause, Samples Resume)> CyclesAsync(WrennClient wrenn, CapsuleId capsule, string label)
    {
        var pause = new Samples($"pause, {label}", "s", target: label.StartsWith("busy", StringComparison.Ordinal) ? 0.25 : null);
        var resume = new Samples($"resume to first exec, {label}", "s", target: label.StartsWith("busy", StringComparison.Ordinal) ? 0.5 : null);
        for (var i = 0; i < Cycles; i++)
        {
            var watch = Stopwatch.StartNew();
            await wrenn.Capsules.PauseAsync(capsule);
            pause.Add(watch.Elapsed.TotalSeconds);
            watch.Restart();
            await wrenn.Capsules.ResumeAsync(capsule);
            await wrenn.Commands.RunAsync(capsule, new ExecRequest("true"));
            resume.Add(watch.Elapsed.TotalSeconds);
        }

        return (pause, resume);
    }

    /// <summary>
    /// A capsule of a size no template snapshot exists for yet: the host boots the template from
    /// scratch and freezes it before the capsule restores it (a new size each time; the benchmark's
    /// templates directory is its own, so none of them exists at the start).
    /// </summary>
    private static async Task<Samples> ColdBootAsync(WrennClient wrenn)
    {
        var boot = new Samples("cold boot (capsule of a size never built)", "s", target: 3);
        for (var i = 0; i < Cycles; i++)
        {
            var watch = Stopwatch.StartNew();
            var capsule = await CreateRunningAsync(wrenn, new CreateCapsuleOptions { MemoryMb = 1024 + (128 * (i + 1)) });
            boot.Add(watch.Elapsed.TotalSeconds);
            await wrenn.Capsules.DeleteAsync(capsule);
        }

        return boot;
    }
}
