using Microsoft.Extensions.Logging.Abstractions;
using Wrenn.HostAgent.Capsules;
using Wrenn.HostAgent.Images;
using Wrenn.HostAgent.Network;
using Wrenn.HostAgent.Vmm.Qemu;

namespace Wrenn.HostAgent.Tests.Capsules;

/// <summary>A capsule runtime over a fresh temporary data directory and the built guest images.</summary>
public sealed class TestRuntime : IAsyncDisposable
{
    private readonly TimeSpan _uploadDelay;
    private readonly CapsuleNetworks? _networks;

    private TestRuntime(string dataDirectory, TimeSpan uploadDelay, bool networked)
    {
        DataDirectory = dataDirectory;
        _uploadDelay = uploadDelay;
        _networks = networked ? new CapsuleNetworks(EgressPolicy.Default, TimeProvider.System, NullLogger<CapsuleNetworks>.Instance) : null;
        Runtime = NewRuntime();
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

    /// <param name="uploadDelay">How long a pause waits before it is sent to a snapshot store (when one is used).</param>
    /// <param name="networked">Capsules get network cards (and namespaces, as under a server); without, they have none.</param>
    public static TestRuntime Create(TimeSpan? uploadDelay = null, bool networked = false) =>
        // Short root: Unix socket paths inside it must stay under 108 bytes.
        new(Directory.CreateTempSubdirectory("wrenn-").FullName, uploadDelay ?? RuntimeOptions.DefaultUploadDelay, networked);

    /// <summary>Simulates a host agent restart: drops this runtime (VMs keep running) and starts another.</summary>
    public async Task RestartAsync()
    {
        await Runtime.DisposeAsync();
        Runtime = NewRuntime();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var capsule in Runtime.Running)
        {
            await Runtime.DeleteAsync(capsule.Id, CancellationToken.None);
        }

        await Runtime.DisposeAsync();
        _networks?.Dispose();
        Directory.Delete(DataDirectory, recursive: true);
    }

    private static string SharedTemplates()
    {
        var directory = Directory.CreateTempSubdirectory("wrenn-t-").FullName;
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Directory.Delete(directory, recursive: true);
        return directory;
    }

    private CapsuleRuntime NewRuntime() => new(
        new RuntimeOptions { DataDirectory = DataDirectory, TemplatesDirectory = TemplatesDirectory, UploadDelay = _uploadDelay },
        new QemuDriver(NullLogger<QemuDriver>.Instance, _networks),
        Images,
        TimeProvider.System,
        NullLogger<CapsuleRuntime>.Instance);
}
