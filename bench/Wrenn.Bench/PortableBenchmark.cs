using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Wrenn.Agent.Protocol;
using Wrenn.Host.Protocol;
using Wrenn.HostAgent.Capsules;
using Wrenn.HostAgent.Images;
using Wrenn.HostAgent.Vmm;
using Wrenn.SnapshotStore;

namespace Wrenn.Bench;

/// <summary>
/// Portable snapshots (docs/portable-snapshots.md): two runtimes on this machine ("host A" and
/// "host B", separate data and template directories) share one directory snapshot store. A
/// capsule with 64 MiB of dirtied guest RAM pauses on A (upload in the background), resumes on A,
/// pauses again (second generation upload) and resumes on B from the store.
/// </summary>
internal static class PortableBenchmark
{
    private const long DirtyBytes = 64L * 1024 * 1024;
    private const double Megabyte = 1_000_000;
    private static readonly TimeSpan StoredLimit = TimeSpan.FromMinutes(5);

    public static async Task RunAsync(CapsuleRuntime hostA, IVmm vmm, string imagesDirectory, string dataDirectory, int runs)
    {
        var storeDirectory = Path.Combine(dataDirectory, "store");
        var hostBData = Path.Combine(dataDirectory, "host-b");
        var hostBTemplates = Path.Combine(hostBData, "templates");
        // A directory store is a share that must already exist (it refuses to create its root).
        Directory.CreateDirectory(storeDirectory);
        await using var hostB = new CapsuleRuntime(
            new RuntimeOptions { DataDirectory = hostBData, TemplatesDirectory = hostBTemplates, UploadDelay = TimeSpan.Zero },
            vmm,
            GuestImages.Load(imagesDirectory),
            TimeProvider.System,
            NullLogger<CapsuleRuntime>.Instance);
        var store = new DirectoryObjectStore(storeDirectory);
        hostA.Portable.Use(store, "bench");
        hostB.Portable.Use(store, "bench");
        var stored = new ConcurrentDictionary<(CapsuleId, int), TaskCompletionSource<TransferStats>>();
        TaskCompletionSource<TransferStats> StoredOf(CapsuleId id, int generation) =>
            stored.GetOrAdd((id, generation), _ => new TaskCompletionSource<TransferStats>(TaskCreationOptions.RunContinuationsAsynchronously));
        hostA.Uploads.Stored += (id, generation, stats) => StoredOf(id, generation).TrySetResult(stats);
        hostB.Uploads.Stored += (id, generation, stats) => StoredOf(id, generation).TrySetResult(stats);

        var spec = new CapsuleSpec("minimal", Vcpus: 1, MemoryMb: 512);

        // Warm-up on A, outside the measurements: builds the template snapshot and sends it (and
        // its image) to the store, so the measured first uploads carry the capsule's own parts.
        {
            var warm = await hostA.CreateAsync(spec, CancellationToken.None);
            var generation = await hostA.PauseAsync(warm.Id, CancellationToken.None);
            await StoredOf(warm.Id, generation).Task.WaitAsync(StoredLimit);
            await hostA.DeleteAsync(warm.Id, CancellationToken.None);
        }

        var idlePause = new Samples("pause of an idle capsule (reply)", "s", target: 0.15);
        var pause = new Samples("pause with 64 MiB dirtied (reply)", "s", target: null);
        var upload = new Samples("first upload, pause -> stored", "s", target: null);
        var uploadRate = new Samples("first upload rate (raw bytes)", "MB/s", target: null, higherIsBetter: true);
        var firstSent = new Samples("first upload, bytes sent", "MB", target: null);
        var localResume = new Samples("local resume on A", "s", target: null);
        var secondSent = new Samples("second generation, bytes sent", "MB", target: null);
        var secondRatio = new Samples("second gen sent / first sent", "ratio", target: 0.10);
        var crossFetched = new Samples("cross-host resume B (tmpl fetched)", "s", target: null);
        var crossHeld = new Samples("cross-host resume B (tmpl held)", "s", target: null);
        var cross = new Samples("cross-host resume B (all runs)", "s", target: null);

        for (var run = 0; run < runs; run++)
        {
            var capsule = await hostA.CreateAsync(spec, CancellationToken.None);
            var id = capsule.Id;
            try
            {
                // The pause reply as before portable snapshots (the store probe is its only addition).
                var idleWatch = Stopwatch.StartNew();
                var idle = await hostA.PauseAsync(id, CancellationToken.None);
                idlePause.Add(idleWatch.Elapsed.TotalSeconds);
                await StoredOf(id, idle).Task.WaitAsync(StoredLimit);
                capsule = await hostA.ResumeAsync(id, CancellationToken.None);
                await ExpectAsync(capsule, "mkdir -p /dev/shm/b && head -c 67108864 /dev/urandom > /dev/shm/b/blob && wc -c < /dev/shm/b/blob", DirtyBytes.ToString(CultureInfo.InvariantCulture));

                var watch = Stopwatch.StartNew();
                var first = await hostA.PauseAsync(id, CancellationToken.None);
                var pauseSeconds = watch.Elapsed.TotalSeconds;
                pause.Add(pauseSeconds);
                watch.Restart();
                var firstStats = await StoredOf(id, first).Task.WaitAsync(StoredLimit);
                var uploadSeconds = watch.Elapsed.TotalSeconds;
                upload.Add(uploadSeconds);
                uploadRate.Add(firstStats.RawBytes / Megabyte / uploadSeconds);
                firstSent.Add(firstStats.BytesTransferred / Megabyte);

                watch.Restart();
                capsule = await hostA.ResumeAsync(id, CancellationToken.None);
                var localSeconds = watch.Elapsed.TotalSeconds;
                localResume.Add(localSeconds);
                await ExpectAsync(capsule, "echo x > /root/f && sync && cat /root/f", "x");

                var second = await hostA.PauseAsync(id, CancellationToken.None);
                var secondStats = await StoredOf(id, second).Task.WaitAsync(StoredLimit);
                secondSent.Add(secondStats.BytesTransferred / Megabyte);
                secondRatio.Add((double)secondStats.BytesTransferred / firstStats.BytesTransferred);

                // B has a template build of its own only if an earlier run fetched it.
                var templateHeld = Directory.Exists(hostBTemplates) && Directory.EnumerateFileSystemEntries(hostBTemplates).Any();
                watch.Restart();
                var moved = await hostB.ResumeAsync(id, CancellationToken.None, stored: second);
                var crossSeconds = watch.Elapsed.TotalSeconds;
                cross.Add(crossSeconds);
                (templateHeld ? crossHeld : crossFetched).Add(crossSeconds);

                // Not timed: the guest on B has A's memory and disk.
                await ExpectAsync(moved, "cat /root/f && wc -c < /dev/shm/b/blob", "x\n" + DirtyBytes.ToString(CultureInfo.InvariantCulture));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"run {run + 1}: pause {pauseSeconds:0.000} s, upload {uploadSeconds:0.000} s ({firstStats.RawBytes / Megabyte:0.0} MB raw, {firstStats.BytesTransferred / Megabyte:0.0} MB sent), local resume {localSeconds:0.000} s, second gen {secondStats.BytesTransferred / Megabyte:0.00} MB sent, cross-host {crossSeconds:0.000} s (template {(templateHeld ? "held" : "fetched")})"));
            }
            finally
            {
                await hostB.DeleteAsync(id, CancellationToken.None);
                await hostA.DeleteAsync(id, CancellationToken.None);
            }
        }

        Console.WriteLine();
        Console.WriteLine("Portable snapshots (QEMU microvm, 1 vCPU, 512 MiB, 64 MiB dirtied in tmpfs; two runtimes on this machine, one directory store)");
        Console.WriteLine(Samples.Header());
        foreach (var samples in new[] { idlePause, pause, upload, uploadRate, firstSent, localResume, secondSent, secondRatio, crossFetched, crossHeld, cross })
        {
            if (samples.Count > 0)
            {
                Console.WriteLine(samples.Row());
            }
        }

        // The steady state: B already holds the template build (a host fetches each build once).
        var steady = crossHeld.Count > 0 ? crossHeld : cross;
        var crossOverLocal = steady.Median / localResume.Median;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"cross-host resume runs where B fetched the template build from the store: {crossFetched.Count} of {cross.Count} (the template and its image were sent by a warm-up pause on A, not timed)"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"RESULT portable local_resume_s={localResume.Median:0.000} cross_host_resume_s={steady.Median:0.000} cross_over_local={crossOverLocal:0.00} upload_mb_s={uploadRate.Median:0.0} second_generation_upload_ratio={secondRatio.Median:0.000} pause_s={idlePause.Median:0.000} busy_pause_s={pause.Median:0.000} first_cross_host_resume_s={(crossFetched.Count > 0 ? crossFetched.Median : double.NaN):0.000}"));
    }

    /// <summary>Runs <paramref name="script"/> in the guest and fails unless it exits 0 printing <paramref name="expected"/>.</summary>
    private static async Task ExpectAsync(Capsule capsule, string script, string expected)
    {
        var result = await capsule.Agent.Services.RunAsync("/bin/sh", "-c", script);
        var output = Encoding.UTF8.GetString(result.Stdout).Trim();
        if (result.ExitCode != 0 || output != expected)
        {
            throw new InvalidOperationException(
                $"guest command `{script}` exited {result.ExitCode} printing '{output}' (expected '{expected}'): {Encoding.UTF8.GetString(result.Stderr).Trim()}");
        }
    }
}
