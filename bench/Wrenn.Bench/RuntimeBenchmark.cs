using System.Diagnostics;
using System.Globalization;
using Wrenn.Agent.Protocol;
using Wrenn.Host.Protocol;
using Wrenn.HostAgent.Capsules;

namespace Wrenn.Bench;

/// <summary>
/// Issue "runtime": cold boot to agent ready, exec round trip, streamed file throughput, agent size.
/// </summary>
internal static class RuntimeBenchmark
{
    private const long FileBytes = 100L * 1024 * 1024;

    /// <returns>The median cold boot, for the snapshot benchmark's comparison.</returns>
    public static async Task<double> RunAsync(CapsuleRuntime runtime, string agentBinary, int runs, string accelerator)
    {
        var coldBoot = new Samples("cold boot to agent ready", "s", target: 2.5);
        for (var i = 0; i < runs; i++)
        {
            var watch = Stopwatch.StartNew();
            var capsule = await runtime.CreateAsync(new CapsuleSpec("minimal", ColdBoot: true), CancellationToken.None);
            coldBoot.Add(watch.Elapsed.TotalSeconds);
            await runtime.DeleteAsync(capsule.Id, CancellationToken.None);
        }

        var subject = await runtime.CreateAsync(new CapsuleSpec("minimal"), CancellationToken.None);
        var exec = new Samples("exec round trip of `true`", "ms", target: 5);
        for (var i = 0; i < 3; i++)
        {
            await subject.Agent.Services.RunAsync("true");
        }

        for (var i = 0; i < Math.Max(runs, 20); i++)
        {
            var watch = Stopwatch.StartNew();
            await subject.Agent.Services.RunAsync("true");
            exec.Add(watch.Elapsed.TotalMilliseconds);
        }

        var write = new Samples("file write, 100 MiB streamed", "MB/s", target: 50, higherIsBetter: true);
        var read = new Samples("file read, 100 MiB streamed", "MB/s", target: 50, higherIsBetter: true);
        for (var i = 0; i < runs; i++)
        {
            var path = $"/root/bench-{i}.bin";
            var watch = Stopwatch.StartNew();
            await FileStreaming.WriteAsync(subject.Agent, path, FileBytes);
            write.Add(FileBytes / 1e6 / watch.Elapsed.TotalSeconds);
            watch.Restart();
            var size = await FileStreaming.ReadAsync(subject.Agent, path);
            read.Add(size / 1e6 / watch.Elapsed.TotalSeconds);
            await subject.Agent.Files.RemoveAsync(new PathRequest { Path = path });
        }

        await runtime.DeleteAsync(subject.Id, CancellationToken.None);
        var agentMb = new FileInfo(agentBinary).Length / 1e6;

        Console.WriteLine();
        Console.WriteLine($"Runtime (QEMU microvm, {accelerator}, 1 vCPU, 512 MiB)");
        Console.WriteLine(Samples.Header());
        foreach (var samples in new[] { coldBoot, exec, write, read })
        {
            Console.WriteLine(samples.Row());
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"guest agent binary: {agentMb:0.0} MB (target <= 20 MB, ratio {agentMb / 20:0.00})"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"RESULT runtime cold_boot_s={coldBoot.Median:0.000} exec_rtt_ms={exec.Median:0.00} file_write_mbps={write.Median:0.0} file_read_mbps={read.Median:0.0} agent_size_mb={agentMb:0.0}"));
        return coldBoot.Median;
    }
}
