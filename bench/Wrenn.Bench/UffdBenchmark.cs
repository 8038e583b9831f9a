using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using Wrenn.HostAgent.PageServer;
using Wrenn.HostAgent.Tests.Memory;
using Wrenn.HostAgent.Tests.PageServer;

namespace Wrenn.Bench;

/// <summary>
/// The UFFD page server with the test harness standing in for Firecracker (guest memory registered
/// in this process, touched through libc): fault latency with 4 KiB service, and pages served per
/// second by faults in 4 KiB and 2 MiB chunks and by the background prefetcher.
/// </summary>
internal static class UffdBenchmark
{
    private const int Pages = 16_384; // 64 MiB, every page non-zero except every third
    private const int LatencyPages = 4_096;

    public static async Task RunAsync(int runs)
    {
        using var images = new MemoryImages();
        var image = MemoryImages.Image(Pages, seed: 1);
        var chain = images.Base(image);
        await using var server = new PageServer(NullLoggerFactory.Instance);

        var latency = new Samples("fault latency, 4 KiB pages", "us", 60);
        var faults4K = new Samples("faults, 4 KiB chunks", "pg/s", null, higherIsBetter: true);
        var faults2M = new Samples("faults, 2 MiB chunks", "pg/s", 100_000, higherIsBetter: true);
        var prefetch = new Samples("prefetch, 2 MiB chunks", "pg/s", 100_000, higherIsBetter: true);
        for (var run = 0; run < runs; run++)
        {
            await using (var session = server.Start(images.File($"latency-{run}.sock"), chain, [], new PageServerOptions(PrefetchAll: false)))
            using (var guest = await ConnectAsync(session, image.Length))
            {
                var buffer = new byte[1];
                for (var page = 0; page < LatencyPages; page++)
                {
                    var started = Stopwatch.GetTimestamp();
                    guest.Memory.CopyOut((long)page * 4096, buffer);
                    latency.Add(Stopwatch.GetElapsedTime(started).TotalMicroseconds);
                }
            }

            faults4K.Add(await TouchAllAsync(server, chain, images, image.Length, $"4k-{run}", chunkPages: 1));
            faults2M.Add(await TouchAllAsync(server, chain, images, image.Length, $"2m-{run}", chunkPages: 512));

            await using (var session = server.Start(images.File($"prefetch-{run}.sock"), chain, [], new PageServerOptions()))
            using (var guest = await ConnectAsync(session, image.Length))
            {
                var started = Stopwatch.GetTimestamp();
                while (!session.FullyLoaded)
                {
                    await Task.Delay(1);
                }

                prefetch.Add(Pages / Stopwatch.GetElapsedTime(started).TotalSeconds);
            }
        }

        Console.WriteLine();
        Console.WriteLine($"UFFD page server: {Pages * 4 / 1024} MiB snapshot (2/3 of pages non-zero), {runs} runs");
        Console.WriteLine(Samples.Header());
        foreach (var row in new[] { latency, faults4K, faults2M, prefetch })
        {
            Console.WriteLine(row.Row());
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"fault latency p99: {latency.Percentile(99):0.0} us, p99.9: {latency.Percentile(99.9):0.0} us, mean: {latency.Mean:0.0} us over {latency.Count} faults"));
        var pagesPerSecond = Math.Max(faults2M.Median, prefetch.Median);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"RESULT uffd pages_per_s={pagesPerSecond:0} fault_p50_us={latency.Median:0.0} fault_p99_us={latency.Percentile(99):0.0}"));
    }

    /// <summary>One thread touches every page in order; returns pages served per second.</summary>
    private static async Task<double> TouchAllAsync(PageServer server, HostAgent.Memory.MemoryChain chain, MemoryImages images, int bytes, string name, int chunkPages)
    {
        await using var session = server.Start(images.File(name + ".sock"), chain, [], new PageServerOptions(FaultChunkPages: chunkPages, PrefetchAll: false));
        using var guest = await ConnectAsync(session, bytes);
        var buffer = new byte[1];
        var started = Stopwatch.GetTimestamp();
        for (var page = 0; page < Pages; page++)
        {
            guest.Memory.CopyOut((long)page * 4096, buffer);
        }

        return Pages / Stopwatch.GetElapsedTime(started).TotalSeconds;
    }

    private static async Task<UffdGuest> ConnectAsync(PageServerSession session, int bytes)
    {
        var guest = await UffdGuest.ConnectAsync(session.SocketPath, bytes);
        await session.Connected.WaitAsync(TimeSpan.FromSeconds(10));
        return guest;
    }
}
