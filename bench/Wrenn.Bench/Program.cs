using Microsoft.Extensions.Logging.Abstractions;
using Wrenn.Bench;
using Wrenn.Host.Protocol;
using Wrenn.HostAgent.Capsules;
using Wrenn.HostAgent.Images;
using Wrenn.HostAgent.Network;
using Wrenn.HostAgent.Vmm.Qemu;

// Usage: Wrenn.Bench [--images-dir DIR] [--runs N] [--only runtime|snapshots|api|soak|hardening|interpreter|cli|dashboard|fastpath|multihost|e2b|uffd|portable]
// [--soak-cycles N] [--server-log FILE]. Boots real capsules; prints tables and RESULT lines (the
// page server's last). --server-log keeps the API servers' output (appended) for diagnosis.
var imagesDirectory = Argument("--images-dir") ?? Environment.GetEnvironmentVariable("WRENN_IMAGES_DIR") ?? "/var/lib/wrenn/images";
var runs = int.Parse(Argument("--runs") ?? "5", System.Globalization.CultureInfo.InvariantCulture);
var only = Argument("--only");
var soakCycles = int.Parse(Argument("--soak-cycles") ?? "300", System.Globalization.CultureInfo.InvariantCulture);
var serverLog = Argument("--server-log");
var agentBinary = Path.Combine(AppContext.BaseDirectory, "../../../agent/wrenn-agent");
if (only == "uffd")
{
    await UffdBenchmark.RunAsync(runs);
    return;
}

var dataDirectory = Directory.CreateTempSubdirectory("wrenn-bench-").FullName;
var templatesDirectory = Path.Combine(dataDirectory, "templates");
try
{
    (double Create, double Resume) runtimeBaseline;
    // As `wrenn serve` runs them: each VM in its capsule network namespace.
    using var networks = new CapsuleNetworks(EgressPolicy.Default, TimeProvider.System, NullLogger<CapsuleNetworks>.Instance);
    var driver = new QemuDriver(NullLogger<QemuDriver>.Instance, networks);
    await using (var runtime = new CapsuleRuntime(
        // No upload delay: the portable benchmark times uploads from the pause (no other area has a store).
        new RuntimeOptions { DataDirectory = dataDirectory, TemplatesDirectory = templatesDirectory, UploadDelay = TimeSpan.Zero },
        driver,
        GuestImages.Load(imagesDirectory),
        TimeProvider.System,
        NullLogger<CapsuleRuntime>.Instance))
    {
        if (only is "soak" or "hardening" or "interpreter" or "cli" or "dashboard" or "fastpath" or "multihost" or "e2b")
        {
            // These measure the API only; templates are built on first use.
            runtimeBaseline = (0, 0);
        }
        else if (only is null or "runtime" or "snapshots")
        {
            var coldBoot = await RuntimeBenchmark.RunAsync(runtime, agentBinary, runs, driver.Accelerator);
            runtimeBaseline = await SnapshotBenchmark.RunAsync(runtime, runs, coldBoot);
        }
        else if (only is "portable")
        {
            runtimeBaseline = (0, 0);
        }
        else
        {
            // The API's overhead is measured against the runtime's own create and resume.
            var spec = new CapsuleSpec("minimal");
            await runtime.DeleteAsync((await runtime.CreateAsync(spec, CancellationToken.None)).Id, CancellationToken.None);
            var baseline = await SnapshotBenchmark.MeasureSizeAsync(runtime, 512, runs);
            runtimeBaseline = (baseline.Create.Median, baseline.Resume.Median);
        }

        if (only is null or "portable")
        {
            // This runtime is host A; the benchmark starts host B beside it.
            await PortableBenchmark.RunAsync(runtime, driver, imagesDirectory, dataDirectory, runs);
        }
    }

    if (only is null or "api")
    {
        // One server at a time owns the template snapshots built above.
        await using var server = await ApiServer.StartAsync(Path.Combine(dataDirectory, "api"), imagesDirectory, templatesDirectory, serverLog);
        await ApiBenchmark.RunAsync(server, runs, runtimeBaseline.Create, runtimeBaseline.Resume);
    }

    var soakLost = 0;
    if (only is null or "soak" or "hardening")
    {
        await using var server = await ApiServer.StartAsync(Path.Combine(dataDirectory, "soak"), imagesDirectory, templatesDirectory, serverLog);
        soakLost = await ResumeSoakBenchmark.RunAsync(server, soakCycles);
    }

    if (only is null or "hardening")
    {
        await HardeningBenchmark.RunAsync(Path.Combine(dataDirectory, "hardening"), imagesDirectory, templatesDirectory, serverLog, soakCycles, soakLost);
    }

    if (only is null or "interpreter")
    {
        await using var server = await ApiServer.StartAsync(Path.Combine(dataDirectory, "interpreter"), imagesDirectory, templatesDirectory, serverLog);
        await InterpreterBenchmark.RunAsync(server, runs);
    }

    if (only is null or "cli")
    {
        await using var server = await ApiServer.StartAsync(Path.Combine(dataDirectory, "cli"), imagesDirectory, templatesDirectory, serverLog);
        await CliBenchmark.RunAsync(server);
    }

    if (only is null or "fastpath")
    {
        await using var server = await ApiServer.StartAsync(Path.Combine(dataDirectory, "fastpath"), imagesDirectory, templatesDirectory, serverLog);
        await FastpathBenchmark.RunAsync(server);
    }

    if (only is null or "dashboard")
    {
        await using var server = await ApiServer.StartAsync(Path.Combine(dataDirectory, "dashboard"), imagesDirectory, templatesDirectory, serverLog);
        await DashboardBenchmark.RunAsync(server);
    }

    if (only is null or "e2b")
    {
        await using var server = await ApiServer.StartAsync(Path.Combine(dataDirectory, "e2b"), imagesDirectory, templatesDirectory, serverLog);
        await E2bBenchmark.RunAsync(server);
    }

    if (only is null or "multihost")
    {
        await MultihostBenchmark.RunAsync(dataDirectory, imagesDirectory, templatesDirectory, serverLog, runs);
    }

    if (only is null)
    {
        await UffdBenchmark.RunAsync(runs);
    }
}
finally
{
    // Capsules a failed benchmark left running (QEMU is daemonized): only those of this run.
    using (var stop = System.Diagnostics.Process.Start(Path.Combine(AppContext.BaseDirectory, "../../../../scripts/stop-vms-under.sh"), [dataDirectory]))
    {
        await stop.WaitForExitAsync();
    }

    Directory.Delete(dataDirectory, recursive: true);
}

string? Argument(string name)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
}
