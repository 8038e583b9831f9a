using System.Diagnostics;
using System.Globalization;
using Wrenn.Agent.Protocol;
using Wrenn.Host.Protocol;
using Wrenn.HostAgent.Capsules;

namespace Wrenn.Bench;

/// <summary>
/// Issue "snapshots": create from a template snapshot, pause, lazy resume (512 MiB and 2 GiB
/// guests), against cold boot and an eager restore; pause after 5 generations; host memory of 10
/// idle capsules created from one template.
/// </summary>
internal static class SnapshotBenchmark
{
    private const int IdleCapsules = 10;

    /// <returns>The 512 MiB create and resume medians (seconds), which the API benchmark compares with.</returns>
    public static async Task<(double Create, double Resume)> RunAsync(CapsuleRuntime runtime, int runs, double coldBootSeconds)
    {
        var small = await MeasureSizeAsync(runtime, 512, runs);
        var large = await MeasureSizeAsync(runtime, 2048, runs);
        var eager = await EagerResumeAsync(runtime, 512, runs);
        var repause = await RepauseAfterFiveAsync(runtime, runs);
        var (idleMib, budgetMib) = await IdleMemoryAsync(runtime);

        Console.WriteLine();
        Console.WriteLine("Snapshots (QEMU microvm, 1 vCPU; template snapshot built before measuring)");
        Console.WriteLine(Samples.Header());
        foreach (var samples in new[] { small.Create, small.Pause, small.Resume, large.Create, large.Pause, large.Resume, eager, repause })
        {
            Console.WriteLine(samples.Row());
        }

        var resumeRatio = large.Resume.Median / small.Resume.Median;
        var coldRatio = small.Resume.Median / coldBootSeconds;
        var lazyRatio = small.Resume.Median / eager.Median;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"resume 2 GiB / 512 MiB: {resumeRatio:0.00} (target <= 1.3); resume / cold boot ({coldBootSeconds:0.00} s): {coldRatio:0.00}; lazy / eager resume: {lazyRatio:0.00}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{IdleCapsules} idle 512 MiB capsules from one template: {idleMib:0} MiB of host memory (sum of QEMU PSS) vs {budgetMib} MiB of guest RAM: {idleMib / budgetMib:0.00} (target < 0.5)"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"RESULT snapshots create_s={small.Create.Median:0.000} pause_s={small.Pause.Median:0.000} resume_s={small.Resume.Median:0.000} resume_2g_over_512m={resumeRatio:0.00} resume_over_cold_boot={coldRatio:0.00} lazy_over_eager={lazyRatio:0.00} repause5_s={repause.Median:0.000}"));
        return (small.Create.Median, small.Resume.Median);
    }

    public static async Task<(Samples Create, Samples Pause, Samples Resume)> MeasureSizeAsync(CapsuleRuntime runtime, int memoryMb, int runs)
    {
        var label = memoryMb >= 1024 ? $"{memoryMb / 1024} GiB" : $"{memoryMb} MiB";
        var create = new Samples($"create -> first exec, {label}", "s", target: 0.5);
        var pause = new Samples($"pause, {label}", "s", target: 0.15);
        var resume = new Samples($"resume -> first exec, {label}", "s", target: 0.4);
        var spec = new CapsuleSpec("minimal", MemoryMb: memoryMb);
        // Builds the template snapshot for this size outside the measurements.
        await runtime.DeleteAsync((await runtime.CreateAsync(spec, CancellationToken.None)).Id, CancellationToken.None);
        for (var i = 0; i < runs; i++)
        {
            var watch = Stopwatch.StartNew();
            var capsule = await runtime.CreateAsync(spec, CancellationToken.None);
            await capsule.Agent.Services.RunAsync("true");
            create.Add(watch.Elapsed.TotalSeconds);

            watch.Restart();
            await runtime.PauseAsync(capsule.Id, CancellationToken.None);
            pause.Add(watch.Elapsed.TotalSeconds);

            watch.Restart();
            capsule = await runtime.ResumeAsync(capsule.Id, CancellationToken.None);
            await capsule.Agent.Services.RunAsync("true");
            resume.Add(watch.Elapsed.TotalSeconds);
            await runtime.DeleteAsync(capsule.Id, CancellationToken.None);
        }

        return (create, pause, resume);
    }

    private static async Task<Samples> EagerResumeAsync(CapsuleRuntime runtime, int memoryMb, int runs)
    {
        var eager = new Samples($"eager resume -> first exec, {memoryMb} MiB", "s", target: null);
        for (var i = 0; i < runs; i++)
        {
            var capsule = await runtime.CreateAsync(new CapsuleSpec("minimal", MemoryMb: memoryMb), CancellationToken.None);
            await runtime.PauseAsync(capsule.Id, CancellationToken.None);
            var watch = Stopwatch.StartNew();
            capsule = await runtime.ResumeAsync(capsule.Id, CancellationToken.None, eagerMemory: true);
            await capsule.Agent.Services.RunAsync("true");
            eager.Add(watch.Elapsed.TotalSeconds);
            await runtime.DeleteAsync(capsule.Id, CancellationToken.None);
        }

        return eager;
    }

    private static async Task<Samples> RepauseAfterFiveAsync(CapsuleRuntime runtime, int runs)
    {
        var repause = new Samples("pause after 5 pause/resume cycles", "s", target: 0.15);
        var capsule = await runtime.CreateAsync(new CapsuleSpec("minimal"), CancellationToken.None);
        for (var generation = 1; generation <= 5 + runs; generation++)
        {
            await capsule.Agent.Services.RunAsync("/bin/sh", "-c", "date > /tmp/generation");
            var watch = Stopwatch.StartNew();
            await runtime.PauseAsync(capsule.Id, CancellationToken.None);
            if (generation > 5)
            {
                repause.Add(watch.Elapsed.TotalSeconds);
            }

            capsule = await runtime.ResumeAsync(capsule.Id, CancellationToken.None);
        }

        await runtime.DeleteAsync(capsule.Id, CancellationToken.None);
        return repause;
    }

    /// <summary>Sum of the QEMU processes' proportional set sizes: shared template pages count once in total.</summary>
    private static async Task<(double UsedMib, int BudgetMib)> IdleMemoryAsync(CapsuleRuntime runtime)
    {
        var capsules = new List<Capsule>();
        for (var i = 0; i < IdleCapsules; i++)
        {
            capsules.Add(await runtime.CreateAsync(new CapsuleSpec("minimal"), CancellationToken.None));
        }

        await Task.Delay(TimeSpan.FromSeconds(5));
        double pssKib = 0;
        foreach (var capsule in capsules)
        {
            foreach (var line in await File.ReadAllLinesAsync($"/proc/{capsule.Vm.Process.Pid}/smaps_rollup"))
            {
                if (line.StartsWith("Pss:", StringComparison.Ordinal))
                {
                    pssKib += double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
                }
            }
        }

        foreach (var capsule in capsules)
        {
            await runtime.DeleteAsync(capsule.Id, CancellationToken.None);
        }

        return (pssKib / 1024, IdleCapsules * 512);
    }
}
