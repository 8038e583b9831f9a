using System.Net;
using System.Net.Sockets;

namespace Wrenn.HostAgent.Network;

/// <summary>
/// Where capsules may open connections (docs/networking.md). A capsule reaches the internet, and
/// never the host, other capsules, or the ranges in <see cref="Blocked"/> — unless the operator
/// allows a range (an internal package mirror, say). The operator's deny list wins over the allow
/// list. DNS (port 53) to the capsules' resolvers is always allowed, even when they sit in a
/// private range, as the host's resolver often does.
/// </summary>
/// <param name="Allow">Ranges reachable although <see cref="Blocked"/> covers them.</param>
/// <param name="Deny">Ranges never reachable.</param>
/// <param name="Resolvers">The DNS servers written into each capsule's resolv.conf.</param>
public sealed record EgressPolicy(IReadOnlyList<IPNetwork> Allow, IReadOnlyList<IPNetwork> Deny, IReadOnlyList<IPAddress> Resolvers)
{
    /// <summary>
    /// Never reached by default: "this network", RFC 1918, CGNAT, loopback, link-local (cloud
    /// metadata at 169.254.169.254), IETF protocol assignments, benchmarking, multicast and the
    /// reserved and broadcast ranges. Capsules have no IPv6 at all, so ULA and the rest of IPv6
    /// are dropped with it.
    /// </summary>
    public static IReadOnlyList<IPNetwork> Blocked { get; } =
    [
        .. new[]
        {
            "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
            "192.0.0.0/24", "192.168.0.0/16", "198.18.0.0/15", "224.0.0.0/3",
        }.Select(range => IPNetwork.Parse(range)),
    ];

    /// <summary>Only the built-in rules, and the host's resolvers.</summary>
    public static EgressPolicy Default { get; } = new([], [], HostResolvers());

    /// <summary>
    /// The host's IPv4 resolvers a capsule can use: not loopback ones, which would be the host
    /// itself. Behind systemd-resolved (127.0.0.53) its upstream servers are taken instead.
    /// </summary>
    public static IReadOnlyList<IPAddress> HostResolvers()
    {
        foreach (var file in new[] { "/etc/resolv.conf", "/run/systemd/resolve/resolv.conf" })
        {
            var servers = ResolversIn(file);
            if (servers.Count > 0)
            {
                return servers;
            }
        }

        return [];
    }

    private static List<IPAddress> ResolversIn(string file)
    {
        try
        {
            return [.. File.ReadLines(file)
                .Select(line => line.Split((char[])[' ', '\t'], StringSplitOptions.RemoveEmptyEntries))
                .Where(fields => fields.Length >= 2 && fields[0] == "nameserver")
                .Select(fields => IPAddress.TryParse(fields[1], out var address) ? address : null)
                .OfType<IPAddress>()
                .Where(address => !IPAddress.IsLoopback(address) && address.AddressFamily == AddressFamily.InterNetwork)];
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }
}
