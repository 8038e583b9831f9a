using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Wrenn.ControlPlane.Tests.Server;
using Wrenn.HostAgent.Tests.Network;

namespace Wrenn.ControlPlane.Tests.Network;

/// <summary>
/// The egress policy on real capsules (docs/networking.md): from inside a VM, connections to a
/// stand-in internet succeed; the host, another capsule, metadata, private and denied ranges are
/// never reached; an operator allow list opens a private address; spoofed packets are dropped.
/// "Not reached" means the attempt timed out: a refusal would prove a packet got there.
/// </summary>
public sealed class EgressTests
{
    // A probe: "address:port rc=0 reached" when connected, rc=124 when dropped, rc=1 when refused.
    private const string Probe = """
        probe() { out=$(timeout 3 bash -c "exec 3<>/dev/tcp/$1/$2 && head -c 7 <&3" 2>/dev/null); echo "$1:$2 rc=$? $out"; }
        """;

    [Fact]
    public async Task ACapsule_ReachesTheInternet_AndAllowedRanges_ButNeverTheHost_OtherCapsules_PrivateOrDeniedRanges()
    {
        await using var upstream = await StandInUpstream.StartAsync();
        // 10.200.0.0/16 allowed on purpose: capsule namespaces live there, so only the host's own
        // rules can keep a capsule from the host and from its neighbours.
        await using var server = await WrennServer.StartAsync(
            "--egress-allow", StandInUpstream.PrivateAllowed, "--egress-allow", "10.200.0.0/16",
            "--egress-deny", StandInUpstream.PublicDenied, "--capsule-dns", StandInUpstream.Resolver);
        using var client = server.Client();
        using var hostService = new TcpListener(IPAddress.Any, 0);
        hostService.Start();
        var hostPort = ((IPEndPoint)hostService.LocalEndpoint).Port;
        var a = await client.CreateRunningAsync();
        var b = await client.CreateRunningAsync();
        var (aGateway, _) = await AddressesAsync(a);
        var (_, bAddress) = await AddressesAsync(b);

        var results = await ProbeAsync(client, a,
            (StandInUpstream.Public, StandInUpstream.Port),
            (StandInUpstream.PrivateAllowed, StandInUpstream.Port),
            (StandInUpstream.Resolver, 53),
            (StandInUpstream.PublicDenied, StandInUpstream.Port),
            (StandInUpstream.Private, StandInUpstream.Port),
            (StandInUpstream.Resolver, StandInUpstream.Port),
            (StandInUpstream.HostAddress, hostPort),
            (aGateway, hostPort),
            (bAddress, StandInUpstream.Port),
            ("169.254.169.254", 80));

        Assert.Equal("rc=0 reached", results[$"{StandInUpstream.Public}:{StandInUpstream.Port}"]);
        Assert.Equal("rc=0 reached", results[$"{StandInUpstream.PrivateAllowed}:{StandInUpstream.Port}"]);
        Assert.Equal("rc=0 reached", results[$"{StandInUpstream.Resolver}:53"]);
        foreach (var (target, outcome) in results.Where(result => !result.Value.StartsWith("rc=0", StringComparison.Ordinal)))
        {
            Assert.True(outcome == "rc=124", $"{target}: {outcome} (expected the attempt to be dropped)");
        }

        Assert.Equal(7, results.Count(result => result.Value == "rc=124"));
        Assert.All(upstream.Peers, peer => Assert.Equal(StandInUpstream.HostAddress, peer));
        Assert.Equal(["nameserver " + StandInUpstream.Resolver], (await client.ExecAsync(a, "cat /etc/resolv.conf")).GetProperty("stdout").GetString()!.Trim().Split('\n'));
        Assert.False(hostService.Pending(), "a capsule reached a service on the host");

        // A guest that sends from an address not its own (root can) gets nowhere.
        var spoofed = await client.ExecAsync(a, Probe + $"""

            ip addr add 203.0.113.99/32 dev eth0 && ip route add {StandInUpstream.Public}/32 via 169.254.0.22 src 203.0.113.99 && probe {StandInUpstream.Public} {StandInUpstream.Port}
            ip route del {StandInUpstream.Public}/32; ip addr del 203.0.113.99/32 dev eth0; probe {StandInUpstream.Public} {StandInUpstream.Port}
            """);
        Assert.Equal(
            [$"{StandInUpstream.Public}:{StandInUpstream.Port} rc=124", $"{StandInUpstream.Public}:{StandInUpstream.Port} rc=0 reached"],
            spoofed.GetProperty("stdout").GetString()!.Trim().Split('\n').Select(line => line.Trim()));
        Assert.Equal(0, await StandInUpstream.ForeignPacketsAsync());

        // After a pause and resume the capsule is in a new namespace, under the same rules.
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync($"/v1/capsules/{a}/pause", null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync($"/v1/capsules/{a}/resume", null)).StatusCode);
        var resumed = await ProbeAsync(client, a, (StandInUpstream.Public, StandInUpstream.Port), (StandInUpstream.Private, StandInUpstream.Port));
        Assert.Equal("rc=0 reached", resumed[$"{StandInUpstream.Public}:{StandInUpstream.Port}"]);
        Assert.Equal("rc=124", resumed[$"{StandInUpstream.Private}:{StandInUpstream.Port}"]);
    }

    /// <summary>The gateway (host side) and namespace addresses of a capsule's veth pair, read on the host.</summary>
    private static async Task<(string Gateway, string Address)> AddressesAsync(string capsule)
    {
        var address = Regex.Match(await HostTool.RunAsync("ip", "-n", "wrenn-" + capsule, "-4", "-o", "addr", "show", "dev", "eth0"), @"inet (\S+)/30").Groups[1].Value;
        var gateway = Regex.Match(await HostTool.RunAsync("ip", "-n", "wrenn-" + capsule, "route", "show", "default"), @"via (\S+)").Groups[1].Value;
        Assert.NotEmpty(address);
        Assert.NotEmpty(gateway);
        return (gateway, address);
    }

    /// <summary>Probes every target at once from inside the capsule; the outcome of each by "address:port".</summary>
    private static async Task<Dictionary<string, string>> ProbeAsync(HttpClient client, string capsule, params (string Address, int Port)[] targets)
    {
        var script = Probe + "\n" + string.Join('\n', targets.Select(target => $"probe {target.Address} {target.Port} &")) + "\nwait";
        var stdout = (await client.ExecAsync(capsule, script)).GetProperty("stdout").GetString()!;
        var outcomes = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Trim().Split(' ', 2))
            .ToDictionary(fields => fields[0], fields => fields[1]);
        return targets.ToDictionary(target => $"{target.Address}:{target.Port}", target => outcomes.GetValueOrDefault($"{target.Address}:{target.Port}", "no answer"));
    }
}
