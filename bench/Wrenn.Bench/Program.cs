using Microsoft.Extensions.Logging.Abstractions;
using Wrenn.Bench;
using Wrenn.HostAgent.Capsules;
using Wrenn.HostAgent.Images;
using Wrenn.HostAgent.Vmm.Qemu;

// Usage: Wrenn.Bench [--images-dir DIR] [--runs N]. Boots real capsules; prints tables and RESULT lines.
var imagesDirectory = Argument("--images-dir") ?? Environment.GetEnvironmentVariable("WRENN_IMAGES_DIR") ?? "/var/lib/wrenn/images";
var runs = int.Parse(Argument("--runs") ?? "5", System.Globalization.CultureInfo.InvariantCulture);
var agentBinary = Path.Combine(AppContext.BaseDirectory, "../../../agent/wrenn-agent");
var dataDirectory = Directory.CreateTempSubdirectory("wrenn-bench-").FullName;
try
{
    var driver = new QemuDriver(NullLogger<QemuDriver>.Instance);
    await using var runtime = new CapsuleRuntime(
        new RuntimeOptions { DataDirectory = dataDirectory },
        driver,
        GuestImages.Load(imagesDirectory),
        TimeProvider.System,
        NullLogger<CapsuleRuntime>.Instance);
    var coldBoot = await RuntimeBenchmark.RunAsync(runtime, agentBinary, runs, driver.Accelerator);
    await SnapshotBenchmark.RunAsync(runtime, runs, coldBoot);
}
finally
{
    Directory.Delete(dataDirectory, recursive: true);
}

string? Argument(string name)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
}
