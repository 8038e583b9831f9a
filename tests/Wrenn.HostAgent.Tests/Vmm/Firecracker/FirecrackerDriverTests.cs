using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using Wrenn.HostAgent.Capsules;
using Wrenn.HostAgent.Memory;
using Wrenn.HostAgent.Network;
using Wrenn.HostAgent.Snapshots;
using Wrenn.HostAgent.Vmm;
using Wrenn.HostAgent.Vmm.Firecracker;

namespace Wrenn.HostAgent.Tests.Vmm.Firecracker;

/// <summary>
/// The Firecracker driver against fake_firecracker.py, which replays a recorded exchange of
/// Firecracker's API: launch in a network and mount namespace, the API calls in order, snapshots
/// turned into memory layers, and a restore whose memory the stand-in reads back through the page
/// server from its own process. (Real Firecracker: FirecrackerCapsuleTests, with KVM.)
/// </summary>
public sealed class FirecrackerDriverTests : IAsyncLifetime, IAsyncDisposable
{
    private const int MemoryMb = 16;
    private const int Pages = MemoryMb * 256;
    private static readonly string Here = Path.Combine(AppContext.BaseDirectory, "Vmm", "Firecracker");
    private readonly string _root = Directory.CreateTempSubdirectory("wrenn-fc-").FullName;
    private readonly CapsuleNetworks _networks = new(new EgressPolicy([], [], [System.Net.IPAddress.Parse("192.0.2.53")]), TimeProvider.System, NullLogger<CapsuleNetworks>.Instance);
    private readonly HostAgent.PageServer.PageServer _pageServer = new(NullLoggerFactory.Instance);
    private readonly FirecrackerDriver _driver;

    public FirecrackerDriverTests()
    {
        var images = Directory.CreateDirectory(Path.Combine(_root, "images")).FullName;
        foreach (var name in new[] { "vmlinux", "initrd.img" })
        {
            File.WriteAllText(Path.Combine(images, name), name);
        }

        using (var disk = File.Create(Path.Combine(images, "rootfs.ext4")))
        {
            disk.SetLength(1 << 20);
        }

        _driver = new FirecrackerDriver(
            new FirecrackerOptions { Firecracker = Path.Combine(Here, "fake_firecracker.py"), JailDirectory = Path.Combine(_root, "jail") },
            _networks, _pageServer, NullLogger<FirecrackerDriver>.Instance);
    }

    // xunit 2 runs IAsyncLifetime, not IAsyncDisposable; the latter tells analyzers who owns what.
    public Task InitializeAsync() => Task.CompletedTask;

    Task IAsyncLifetime.DisposeAsync() => DisposeAsync().AsTask();

    public async ValueTask DisposeAsync()
    {
        await _pageServer.DisposeAsync();
        _networks.Dispose();
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    [Fact]
    public async Task Boot_MakesTheRecordedCalls_InItsOwnNetwork_AndAFullSnapshotBecomesABaseLayer()
    {
        var spec = Spec("cl-boot");
        var files = await BootAndSnapshotAsync(spec);

        using var map = MemoryChain.Load(FirecrackerFiles.MemoryChain(files)).Open();
        Assert.Single(map.Layers);
        for (var page = 0; page < Pages; page++)
        {
            Assert.True(map.IsZero(page) ? page % 3 == 1 : map.Data(page).SequenceEqual(BasePage(page)), $"page {page}");
        }

        Assert.Equal("device state Full", File.ReadAllText(files.DeviceState));
        Assert.DoesNotContain(CapsuleNetworks.NamespacePrefix + "cl-boot", await CapsuleNetworks.NamespacesAsync(CancellationToken.None));
        Assert.False(Directory.Exists(Path.Combine(spec.Directory.Root, "vm")));
    }

    [Fact]
    public async Task Restore_ServesMemoryToTheVmmProcess_AndADiffSnapshotAddsALayerThatKeepsClearedPagesZero()
    {
        var template = await BootAndSnapshotAsync(Spec("cl-template"));
        UseExchange("restore-exchange.json");
        var spec = Spec("cl-restored");

        var vm = await _driver.RestoreAsync(spec, template, CancellationToken.None);
        var log = Path.Combine(spec.Directory.Root, "vm", "api.sock.log");
        var served = await WaitForLogAsync(log, "memory_sha256");
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(BaseImage())), served);

        var files = NewSnapshotDirectory(spec);
        await vm.SnapshotAsync(files, keepRunning: false, CancellationToken.None);
        AssertRequests(log, "restore-exchange.json");
        await vm.StopAsync(CancellationToken.None);
        await vm.DisposeAsync();

        var chain = MemoryChain.Load(FirecrackerFiles.MemoryChain(files));
        Assert.Equal(2, chain.Layers.Count);
        Assert.Equal(template.Root, Path.GetDirectoryName(chain.Layers[0].Path));
        using var map = chain.Open();
        Assert.True(map.Data(0).SequenceEqual(Page(0, 2)));
        Assert.True(map.IsZero(2), "a page the guest cleared must stay zero");
        Assert.True(map.Data(4).SequenceEqual(Page(4, 2)));
        Assert.True(map.Data(5).SequenceEqual(BasePage(5)));
    }

    [Fact]
    public async Task Restore_FromDamagedMemory_IsASnapshotError_AndLeavesNothingBehind()
    {
        var template = await BootAndSnapshotAsync(Spec("cl-damaged"));
        var layer = MemoryChain.Load(FirecrackerFiles.MemoryChain(template)).Layers[0].Path;
        var bytes = await File.ReadAllBytesAsync(layer);
        bytes[^3] ^= 0x55; // inside the page table at the end
        await File.WriteAllBytesAsync(layer, bytes);
        UseExchange("restore-exchange.json");
        var spec = Spec("cl-from-damaged");

        await Assert.ThrowsAsync<SnapshotException>(() => _driver.RestoreAsync(spec, template, CancellationToken.None));

        Assert.DoesNotContain(CapsuleNetworks.NamespacePrefix + "cl-from-damaged", await CapsuleNetworks.NamespacesAsync(CancellationToken.None));
        Assert.False(Directory.Exists(Path.Combine(spec.Directory.Root, "vm")));
    }

    private async Task<SnapshotFiles> BootAndSnapshotAsync(VmSpec spec)
    {
        UseExchange("boot-exchange.json");
        var vm = await _driver.BootAsync(spec, CancellationToken.None);
        var network = CapsuleNetworks.NamespacePrefix + Path.GetFileName(spec.Directory.Root);
        Assert.Contains(network, await CapsuleNetworks.NamespacesAsync(CancellationToken.None));
        Assert.True(vm.Process.IsAlive);

        var files = NewSnapshotDirectory(spec);
        await vm.SnapshotAsync(files, keepRunning: false, CancellationToken.None);
        var log = Path.Combine(spec.Directory.Root, "vm", "api.sock.log");
        AssertRequests(log, "boot-exchange.json");
        var bootArguments = Requests(log)[0]["body"]!["boot_args"]!.GetValue<string>();
        Assert.Contains("wrenn.link=vsock:5000", bootArguments, StringComparison.Ordinal);
        Assert.Contains("wrenn.net=169.254.0.21/30,169.254.0.22", bootArguments, StringComparison.Ordinal);
        Assert.Contains("wrenn.dns=192.0.2.53", bootArguments, StringComparison.Ordinal);

        await vm.StopAsync(CancellationToken.None);
        await vm.DisposeAsync();
        Assert.False(vm.Process.IsAlive);
        return files;
    }

    private VmSpec Spec(string id)
    {
        var directory = new CapsuleDirectory(Directory.CreateDirectory(Path.Combine(_root, "capsules", id)).FullName);
        var images = Path.Combine(_root, "images");
        return new VmSpec(directory, 1, MemoryMb, Path.Combine(images, "vmlinux"), Path.Combine(images, "initrd.img"),
            Path.Combine(images, "rootfs.ext4"), "secret", new MemoryImage(directory.Memory, Shared: true), Network: true);
    }

    private static SnapshotFiles NewSnapshotDirectory(VmSpec spec) =>
        new(Directory.CreateDirectory(Path.Combine(spec.Directory.Snapshots, "gen-1")).FullName);

    private static void UseExchange(string name) =>
        Environment.SetEnvironmentVariable("WRENN_FAKE_FIRECRACKER_EXCHANGE", Path.Combine(Here, name));

    /// <summary>The requests the stand-in received equal the recorded exchange's, in order ("*" matches any value).</summary>
    private static void AssertRequests(string log, string exchange)
    {
        var expected = JsonNode.Parse(File.ReadAllText(Path.Combine(Here, exchange)))!.AsArray().Select(entry => entry!["request"]!).ToList();
        var actual = Requests(log);
        Assert.Equal(expected.Count, actual.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.True(Matches(expected[i], actual[i]), $"request {i}: expected {expected[i].ToJsonString()}, got {actual[i].ToJsonString()}");
        }
    }

    private static List<JsonNode> Requests(string log) =>
        [.. File.ReadLines(log).Select(line => JsonNode.Parse(line)!).Where(entry => entry["method"] is not null)];

    private static bool Matches(JsonNode? expected, JsonNode? actual) => expected switch
    {
        JsonValue value when value.TryGetValue<string>(out var text) && text == "*" => actual is not null,
        JsonObject fields => actual is JsonObject other && fields.Count == other.Count && fields.All(field => Matches(field.Value, other[field.Key])),
        _ => JsonNode.DeepEquals(expected, actual),
    };

    private static async Task<string> WaitForLogAsync(string log, string key)
    {
        for (var attempt = 0; attempt < 300; attempt++)
        {
            var entry = File.Exists(log) ? File.ReadLines(log).Select(line => JsonNode.Parse(line)!).FirstOrDefault(line => line[key] is not null) : null;
            if (entry is not null)
            {
                return entry[key]!.GetValue<string>();
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"the stand-in never logged {key}");
    }

    private static byte[] BaseImage()
    {
        var image = new byte[Pages * 4096];
        for (var page = 0; page < Pages; page++)
        {
            BasePage(page).CopyTo(image.AsSpan(page * 4096));
        }

        return image;
    }

    private static byte[] BasePage(int page) => page % 3 == 1 ? new byte[4096] : Page(page, 1);

    /// <summary>The page fake_firecracker.py writes: SHA-256 of "seed:page", repeated to 4 KiB.</summary>
    private static byte[] Page(int page, int seed)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{seed}:{page}"));
        return [.. Enumerable.Repeat(hash, 128).SelectMany(bytes => bytes)];
    }
}
