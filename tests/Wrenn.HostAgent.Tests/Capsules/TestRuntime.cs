using Microsoft.Extensions.Logging.Abstractions;
using Wrenn.HostAgent.Capsules;
using Wrenn.HostAgent.Images;
using Wrenn.HostAgent.Vmm.Qemu;

namespace Wrenn.HostAgent.Tests.Capsules;

/// <summary>A capsule runtime over a fresh temporary data directory and the built guest images.</summary>
public sealed class TestRuntime : IAsyncDisposable
{
    private TestRuntime(string dataDirectory, CapsuleRuntime runtime)
    {
        DataDirectory = dataDirectory;
        Runtime = runtime;
    }

    public string DataDirectory { get; }

    public CapsuleRuntime Runtime { get; private set; }

    public static GuestImages Images { get; } = GuestImages.Load(
        Environment.GetEnvironmentVariable("WRENN_IMAGES_DIR") ?? "/var/lib/wrenn/images");

    /// <summary>
    /// Template snapshots shared by every runtime of this test run: each template is cold-booted
    /// once per run, not once per test class.
    /// </summary>
    public static string TemplatesDirectory { get; } = SharedTemplates();

    public static TestRuntime Create()
    {
        // Short root: Unix socket paths inside it must stay under 108 bytes.
        var dataDirectory = Directory.CreateTempSubdirectory("wrenn-").FullName;
        return new TestRuntime(dataDirectory, NewRuntime(dataDirectory));
    }

    /// <summary>Simulates a host agent restart: drops this runtime (VMs keep running) and starts another.</summary>
    public async Task RestartAsync()
    {
        await Runtime.DisposeAsync();
        Runtime = NewRuntime(DataDirectory);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var capsule in Runtime.Running)
        {
            await Runtime.DeleteAsync(capsule.Id, CancellationToken.None);
        }

        await Runtime.DisposeAsync();
        Directory.Delete(DataDirectory, recursive: true);
    }

    private static string SharedTemplates()
    {
        var directory = Directory.CreateTempSubdirectory("wrenn-t-").FullName;
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Directory.Delete(directory, recursive: true);
        return directory;
    }

    private static CapsuleRuntime NewRuntime(string dataDirectory) => new(
        new RuntimeOptions { DataDirectory = dataDirectory, TemplatesDirectory = TemplatesDirectory },
        new QemuDriver(NullLogger<QemuDriver>.Instance),
        Images,
        TimeProvider.System,
        NullLogger<CapsuleRuntime>.Instance);
}
