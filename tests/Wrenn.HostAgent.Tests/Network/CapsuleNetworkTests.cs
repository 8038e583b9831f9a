using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Wrenn.HostAgent.Network;

namespace Wrenn.HostAgent.Tests.Network;

/// <summary>
/// Capsule networks for real (iproute2, nftables, root): traffic from a capsule's namespace goes out
/// masqueraded, and never reaches another capsule or the host itself. An "upstream" namespace on a
/// veth pair stands in for the internet.
/// </summary>
public sealed class CapsuleNetworkTests : IAsyncLifetime, IDisposable
{
    private const string Upstream = "wrenntest-up";
    private const string UpstreamHost = "198.51.100.1";
    private const string UpstreamPeer = "198.51.100.2";
    // Two minutes ahead: namespaces made by this test count as old enough for the orphan sweep.
    private readonly CapsuleNetworks _networks = new(EgressPolicy.Default, new Later(TimeSpan.FromMinutes(2)), NullLogger<CapsuleNetworks>.Instance);
    private readonly List<Process> _listeners = [];
    private readonly List<string> _namespaces = [];

    public async Task InitializeAsync()
    {
        await RemoveUpstreamAsync(); // left by an interrupted run
        await HostTool.RunAsync("ip", "netns", "add", Upstream);
        await HostTool.RunAsync("ip", "link", "add", "wrenntest0", "type", "veth", "peer", "name", "eth0", "netns", Upstream);
        await HostTool.RunAsync("ip", "addr", "add", UpstreamHost + "/24", "dev", "wrenntest0");
        await HostTool.RunAsync("ip", "link", "set", "wrenntest0", "up");
        await HostTool.RunAsync("ip", "-n", Upstream, "addr", "add", UpstreamPeer + "/24", "dev", "eth0");
        await HostTool.RunAsync("ip", "-n", Upstream, "link", "set", "eth0", "up");
    }

    public async Task DisposeAsync()
    {
        foreach (var listener in _listeners)
        {
            listener.Kill(entireProcessTree: true);
            listener.Dispose();
        }

        foreach (var name in _namespaces)
        {
            await _networks.DeleteAsync(name, CancellationToken.None);
        }

        await RemoveUpstreamAsync();
    }

    public void Dispose() => _networks.Dispose();

    /// <summary>Removes the stand-in upstream: its veth pair (explicitly: a namespace may outlive its file for a while) and namespace.</summary>
    private static async Task RemoveUpstreamAsync()
    {
        foreach (var command in new[] { new[] { "link", "delete", "wrenntest0" }, ["netns", "delete", Upstream] })
        {
            try
            {
                await HostTool.RunAsync("ip", command);
            }
            catch (InvalidOperationException)
            {
                // Not there: nothing to remove.
            }
        }
    }

    [Fact]
    public async Task CapsuleTraffic_GoesOutMasqueraded_ButNeverToAnotherCapsuleOrTheHost()
    {
        var a = await CreateAsync("nettest-a");
        var b = await CreateAsync("nettest-b");
        var seen = Path.GetTempFileName();
        Listen(Upstream, UpstreamPeer, 7001, seen);
        Listen(b.Namespace, b.NamespaceAddress, 7002, null);
        Listen(null, "0.0.0.0", 7003, null);

        Assert.True(await ConnectsAsync(a.Namespace, UpstreamPeer, 7001), "outbound traffic should be forwarded");
        Assert.Equal(UpstreamHost, (await File.ReadAllTextAsync(seen)).Trim());
        Assert.False(await ConnectsAsync(a.Namespace, b.NamespaceAddress, 7002), "capsule A reached capsule B");
        Assert.False(await ConnectsAsync(a.Namespace, a.HostAddress, 7003), "capsule A reached a host service");
        Assert.NotEqual(a.Slot, b.Slot);
        File.Delete(seen);
    }

    [Fact]
    public async Task Teardown_AndOrphanCleanup_LeaveNoNamespaceBehind()
    {
        var live = await CreateAsync("nettest-live");
        var orphan = await CreateAsync("nettest-orphan");
        Listen(live.Namespace, "127.0.0.1", 7004, null); // a process keeps the live one in use

        await _networks.RemoveOrphansAsync(CancellationToken.None);

        var left = await CapsuleNetworks.NamespacesAsync(CancellationToken.None);
        Assert.Contains(live.Namespace, left);
        Assert.DoesNotContain(orphan.Namespace, left);
        Assert.Contains(CapsuleNetwork.TapName, await HostTool.RunAsync("ip", "-n", live.Namespace, "link", "show"));
    }

    private async Task<CapsuleNetwork> CreateAsync(string key)
    {
        var network = await _networks.CreateAsync(key, CancellationToken.None);
        _namespaces.Add(network.Namespace);
        return network;
    }

    /// <summary>A TCP listener (in a namespace, or on the host) that writes the first peer's address to <paramref name="peerFile"/>.</summary>
    private void Listen(string? networkNamespace, string address, int port, string? peerFile)
    {
        var code = $"import socket\ns=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('{address}', {port})); s.listen()\n" +
            $"while True:\n c, peer = s.accept()\n if {(peerFile is null ? "False" : "True")}: open('{peerFile}', 'w').write(peer[0])\n c.close()";
        string[] command = networkNamespace is null ? ["python3", "-c", code] : ["ip", "netns", "exec", networkNamespace, "python3", "-c", code];
        var start = new ProcessStartInfo(command[0]) { UseShellExecute = false };
        foreach (var argument in command[1..])
        {
            start.ArgumentList.Add(argument);
        }

        _listeners.Add(Process.Start(start)!);
        Thread.Sleep(300);
    }

    private static async Task<bool> ConnectsAsync(string networkNamespace, string address, int port)
    {
        var code = $"import socket\nsocket.create_connection(('{address}', {port}), timeout=2).close()";
        try
        {
            await HostTool.RunAsync("ip", "netns", "exec", networkNamespace, "python3", "-c", code);
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private sealed class Later(TimeSpan ahead) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + ahead;
    }
}
