using Microsoft.Extensions.Logging.Abstractions;
using Wrenn.Agent.Protocol;
using Wrenn.Host.Protocol;
using Wrenn.HostAgent.Capsules;
using Wrenn.HostAgent.Tests.Capsules;
using Wrenn.HostAgent.Vmm.Qemu;

namespace Wrenn.HostAgent.Tests.Snapshots;

/// <summary>
/// The built-in template snapshots are a cache with a disk budget: past it, the least recently
/// used snapshot that no capsule maps goes; one a capsule maps stays. Its own data and template
/// directories (it evicts), and a budget of one byte, so every build is over it.
/// </summary>
public sealed class TemplateCacheTests
{
    [Fact]
    public async Task OverItsBudget_TheCacheEvictsUnmappedSnapshots_AndKeepsMappedOnes()
    {
        var root = Directory.CreateTempSubdirectory("wrenn-").FullName;
        var templates = Path.Combine(root, "t");
        await using var runtime = new CapsuleRuntime(
            new RuntimeOptions { DataDirectory = Path.Combine(root, "data"), TemplatesDirectory = templates, TemplateCacheBytes = 1 },
            new QemuDriver(NullLogger<QemuDriver>.Instance),
            TestRuntime.Images,
            TimeProvider.System,
            NullLogger<CapsuleRuntime>.Instance);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        try
        {
            var first = await runtime.CreateAsync(new CapsuleSpec("minimal", MemoryMb: 256), timeout.Token);
            await runtime.DeleteAsync(first.Id, timeout.Token);
            Assert.Equal(["256m"], Snapshots(templates));

            // A new size is a new snapshot: the 256 MiB one is mapped by nothing now, so it goes.
            var second = await runtime.CreateAsync(new CapsuleSpec("minimal", MemoryMb: 384), timeout.Token);
            Assert.Equal(["384m"], Snapshots(templates));

            // The 384 MiB one is mapped by the running capsule, so it stays past the budget.
            await runtime.CreateAsync(new CapsuleSpec("minimal", MemoryMb: 320), timeout.Token);
            Assert.Equal(["320m", "384m"], Snapshots(templates));
            Assert.Equal("ok\n", (await second.Agent.Services.RunAsync("/bin/echo", "ok")).StdoutText);
        }
        finally
        {
            foreach (var capsule in runtime.Running)
            {
                await runtime.DeleteAsync(capsule.Id, CancellationToken.None);
            }

            Directory.Delete(root, recursive: true);
        }
    }

    /// <summary>The memory sizes of the template snapshots on disk ("minimal-…-1c384m" → "384m").</summary>
    private static List<string> Snapshots(string templates) =>
    [
        .. Directory.EnumerateDirectories(templates)
            .Select(directory => Path.GetFileName(directory))
            .Where(name => !name.StartsWith('.'))
            .Select(name => name[(name.LastIndexOf('c') + 1)..])
            .Order(StringComparer.Ordinal),
    ];
}
