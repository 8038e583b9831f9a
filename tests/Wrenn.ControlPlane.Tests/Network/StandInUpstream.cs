using System.Diagnostics;
using Wrenn.HostAgent.Tests.Network;

namespace Wrenn.ControlPlane.Tests.Network;

/// <summary>
/// A stand-in for the internet and for a private network beyond the host: a network namespace on a
/// veth pair, routed from the host, holding public (TEST-NET) and private addresses, with a TCP
/// service on ports 8080 and 53 that answers "reached" and records each peer's address, and a
/// counter of packets arriving from any address but the host's (capsule traffic is masqueraded
/// twice, so anything else was spoofed and got through).
/// </summary>
public sealed class StandInUpstream : IAsyncDisposable
{
    public const string HostAddress = "198.51.100.129";
    public const string Public = "203.0.113.10";
    public const string PublicDenied = "203.0.113.20";
    public const string PrivateAllowed = "192.168.251.10";
    public const string Private = "192.168.251.11";
    public const string Resolver = "192.168.251.53";
    public const int Port = 8080;

    private const string Namespace = "wrenntest-egress";
    private const string HostVeth = "wrenntest-eg";
    private const string PeerAddress = "198.51.100.130";
    private readonly string _peers = Path.Combine(Path.GetTempPath(), "upstream-peers-" + Guid.NewGuid().ToString("N"));
    private Process? _service;

    /// <summary>The addresses connections came from, in order.</summary>
    public IReadOnlyList<string> Peers => File.Exists(_peers) ? File.ReadAllLines(_peers) : [];

    public static async Task<StandInUpstream> StartAsync()
    {
        var upstream = new StandInUpstream();
        await RemoveAsync(); // left by an interrupted run
        await HostTool.RunAsync("ip", "netns", "add", Namespace);
        await HostTool.RunAsync("ip", "link", "add", HostVeth, "type", "veth", "peer", "name", "eth0", "netns", Namespace);
        await HostTool.RunAsync("ip", "addr", "add", HostAddress + "/30", "dev", HostVeth);
        await HostTool.RunAsync("ip", "link", "set", HostVeth, "up");
        await HostTool.RunAsync("ip", "-n", Namespace, "addr", "add", PeerAddress + "/30", "dev", "eth0");
        foreach (var address in new[] { Public, PublicDenied, PrivateAllowed, Private, Resolver })
        {
            await HostTool.RunAsync("ip", "-n", Namespace, "addr", "add", address + "/32", "dev", "eth0");
        }

        await HostTool.RunAsync("ip", "-n", Namespace, "link", "set", "eth0", "up");
        await HostTool.RunAsync("ip", "-n", Namespace, "link", "set", "lo", "up");
        await HostTool.RunAsync("ip", "route", "add", "203.0.113.0/24", "via", PeerAddress);
        await HostTool.RunAsync("ip", "route", "add", "192.168.251.0/24", "via", PeerAddress);
        await HostTool.RunAsync("ip", "netns", "exec", Namespace, "nft",
            $"table inet upstream {{ counter foreign {{ }}; chain input {{ type filter hook input priority 0; policy accept; iifname \"eth0\" ip saddr != {HostAddress} counter name foreign; }}; }}");
        await upstream.StartServiceAsync();
        return upstream;
    }

    /// <summary>Packets that arrived from an address other than the host's.</summary>
    public static async Task<long> ForeignPacketsAsync()
    {
        var listing = await HostTool.RunAsync("ip", "netns", "exec", Namespace, "nft", "list", "counter", "inet", "upstream", "foreign");
        return long.Parse(System.Text.RegularExpressions.Regex.Match(listing, @"packets (\d+)").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
    }

    public async ValueTask DisposeAsync()
    {
        if (_service is not null)
        {
            _service.Kill(entireProcessTree: true);
            await _service.WaitForExitAsync();
            _service.Dispose();
        }

        File.Delete(_peers);
        await RemoveAsync();
    }

    private async Task StartServiceAsync()
    {
        var code = $$"""
            import socket, threading, time
            def serve(port):
                s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('0.0.0.0', port)); s.listen(64)
                while True:
                    c, peer = s.accept()
                    with open('{{_peers}}', 'a') as f: f.write(peer[0] + '\n')
                    c.sendall(b'reached'); c.close()
            for port in ({{Port}}, 53): threading.Thread(target=serve, args=(port,), daemon=True).start()
            while True: time.sleep(60)
            """;
        var start = new ProcessStartInfo("ip") { UseShellExecute = false };
        foreach (var argument in new[] { "netns", "exec", Namespace, "python3", "-c", code })
        {
            start.ArgumentList.Add(argument);
        }

        _service = Process.Start(start)!;
        // Both ports listening before any capsule probes them (python starts slowly on a busy host).
        for (var waited = 0; ; waited++)
        {
            var listening = await HostTool.RunAsync("ip", "netns", "exec", Namespace, "ss", "-Hltn");
            if (listening.Contains($":{Port} ", StringComparison.Ordinal) && listening.Contains(":53 ", StringComparison.Ordinal))
            {
                return;
            }

            Assert.True(waited < 200 && !_service.HasExited, "the stand-in upstream's service did not start listening");
            await Task.Delay(50);
        }
    }

    /// <summary>The veth pair goes explicitly (a namespace may outlive its name for a while), and with it the routes.</summary>
    private static async Task RemoveAsync()
    {
        foreach (var command in new[] { new[] { "link", "delete", HostVeth }, ["netns", "delete", Namespace] })
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
}
