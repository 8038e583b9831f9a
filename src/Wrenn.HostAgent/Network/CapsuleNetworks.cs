using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Wrenn.HostAgent.Vmm;

namespace Wrenn.HostAgent.Network;

/// <summary>
/// Sets up and tears down capsule networks with iproute2 and nftables: per capsule a namespace
/// holding the guest's tap device and NAT, joined to the host by a veth pair; on the host, one
/// nftables table that forwards capsule traffic out, masqueraded, and drops everything a capsule
/// sends to another capsule, to the host itself, or to link-local addresses (cloud metadata).
/// Everything is named wrenn-*/wv*, so a crashed host agent's leftovers are found and removed.
/// </summary>
public sealed partial class CapsuleNetworks(ILogger<CapsuleNetworks> logger) : IDisposable
{
    public const string NamespacePrefix = "wrenn-";
    private const int Slots = 16_384;
    private readonly SemaphoreSlim _allocation = new(1, 1);
    private bool _hostReady;

    /// <summary>Creates the network of capsule <paramref name="key"/>; on failure nothing is left behind.</summary>
    public async Task<CapsuleNetwork> CreateAsync(string key, CancellationToken cancellationToken)
    {
        await _allocation.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await EnsureHostRulesAsync(cancellationToken).ConfigureAwait(false);
            var network = new CapsuleNetwork(NamespacePrefix + key, await FreeSlotAsync(cancellationToken).ConfigureAwait(false));
            try
            {
                await ConfigureAsync(network, cancellationToken).ConfigureAwait(false);
                return network;
            }
            catch
            {
                await DeleteAsync(network.Namespace, CancellationToken.None).ConfigureAwait(false);
                throw;
            }
        }
        finally
        {
            _allocation.Release();
        }
    }

    public void Dispose() => _allocation.Dispose();

    /// <summary>Removes a capsule's namespace; its tap and veth pair go with it.</summary>
    public async Task DeleteAsync(string networkNamespace, CancellationToken cancellationToken)
    {
        try
        {
            await Ip(cancellationToken, "netns", "delete", networkNamespace).ConfigureAwait(false);
        }
        catch (VmmException exception)
        {
            LogDeleteFailed(logger, networkNamespace, exception);
        }
    }

    /// <summary>Deletes the wrenn-* namespaces no process lives in any more (left by a crash); run before any capsule network is made.</summary>
    public async Task<int> RemoveOrphansAsync(CancellationToken cancellationToken)
    {
        var removed = 0;
        foreach (var name in await NamespacesAsync(cancellationToken).ConfigureAwait(false))
        {
            var pids = await Ip(cancellationToken, "netns", "pids", name).ConfigureAwait(false);
            if (string.IsNullOrWhiteSpace(pids))
            {
                await DeleteAsync(name, cancellationToken).ConfigureAwait(false);
                removed++;
            }
        }

        return removed;
    }

    /// <summary>The wrenn-* network namespaces that exist now.</summary>
    public static async Task<IReadOnlyList<string>> NamespacesAsync(CancellationToken cancellationToken)
    {
        var listing = JsonNode.Parse(await Ip(cancellationToken, "-j", "netns", "list").ConfigureAwait(false) is { Length: > 0 } json ? json : "[]")?.AsArray() ?? [];
        return [.. listing.Select(entry => entry?["name"]?.GetValue<string>())
            .OfType<string>()
            .Where(name => name.StartsWith(NamespacePrefix, StringComparison.Ordinal))];
    }

    private static async Task ConfigureAsync(CapsuleNetwork network, CancellationToken cancellationToken)
    {
        var ns = network.Namespace;
        if ((await NamespacesAsync(cancellationToken).ConfigureAwait(false)).Contains(ns))
        {
            // Left by an earlier VM of this capsule that died with its host agent: start clean.
            await Ip(cancellationToken, "netns", "delete", ns).ConfigureAwait(false);
        }

        await Ip(cancellationToken, "netns", "add", ns).ConfigureAwait(false);
        await Ip(cancellationToken, "link", "add", network.HostVeth, "type", "veth", "peer", "name", "eth0", "netns", ns).ConfigureAwait(false);
        await Ip(cancellationToken, "addr", "add", network.HostAddress + "/30", "dev", network.HostVeth).ConfigureAwait(false);
        await Ip(cancellationToken, "link", "set", network.HostVeth, "up").ConfigureAwait(false);
        await Ip(cancellationToken, "-n", ns, "link", "set", "lo", "up").ConfigureAwait(false);
        await Ip(cancellationToken, "-n", ns, "addr", "add", network.NamespaceAddress + "/30", "dev", "eth0").ConfigureAwait(false);
        await Ip(cancellationToken, "-n", ns, "link", "set", "eth0", "up").ConfigureAwait(false);
        await Ip(cancellationToken, "-n", ns, "route", "add", "default", "via", network.HostAddress).ConfigureAwait(false);
        await Ip(cancellationToken, "-n", ns, "tuntap", "add", CapsuleNetwork.TapName, "mode", "tap").ConfigureAwait(false);
        await Ip(cancellationToken, "-n", ns, "addr", "add", $"{CapsuleNetwork.GatewayAddress}/{CapsuleNetwork.GuestPrefix}", "dev", CapsuleNetwork.TapName).ConfigureAwait(false);
        await Ip(cancellationToken, "-n", ns, "link", "set", CapsuleNetwork.TapName, "up").ConfigureAwait(false);
        // Inside the namespace: route the guest out through eth0 under the namespace's own address.
        await Ip(cancellationToken, "netns", "exec", ns, "sysctl", "-q", "-w", "net.ipv4.ip_forward=1").ConfigureAwait(false);
        await Nft(ns, $$"""
            table ip wrenn {
              chain postrouting {
                type nat hook postrouting priority srcnat; policy accept;
                oifname "eth0" ip saddr {{CapsuleNetwork.GuestAddress}} masquerade
              }
            }
            """, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The host's side, once per process: forwarding on, isolation and NAT rules (replaced wholesale, so idempotent).</summary>
    private async Task EnsureHostRulesAsync(CancellationToken cancellationToken)
    {
        if (_hostReady)
        {
            return;
        }

        // A crashed host agent may have left namespaces whose VMMs are gone: nothing lives in them.
        var orphans = await RemoveOrphansAsync(cancellationToken).ConfigureAwait(false);
        if (orphans > 0)
        {
            LogOrphansRemoved(logger, orphans);
        }

        await HostCommand.RunAsync("sysctl", ["-q", "-w", "net.ipv4.ip_forward=1"], cancellationToken).ConfigureAwait(false);
        await Nft(null, """
            table inet wrenn
            delete table inet wrenn
            table inet wrenn {
              chain input {
                type filter hook input priority filter - 10; policy accept;
                iifname "wv*" drop comment "capsules never reach the host's own services"
              }
              chain forward {
                type filter hook forward priority filter - 10; policy accept;
                iifname "wv*" oifname "wv*" drop comment "capsules never reach each other"
                iifname "wv*" ip daddr 169.254.0.0/16 drop comment "nor link-local addresses such as cloud metadata"
                iifname "wv*" accept
                oifname "wv*" ct state established,related accept
                oifname "wv*" drop
              }
              chain postrouting {
                type nat hook postrouting priority srcnat; policy accept;
                ip saddr 10.200.0.0/16 oifname != "wv*" masquerade
              }
            }
            """, cancellationToken).ConfigureAwait(false);
        _hostReady = true;
    }

    private static async Task<int> FreeSlotAsync(CancellationToken cancellationToken)
    {
        var links = JsonNode.Parse(await Ip(cancellationToken, "-j", "link", "show").ConfigureAwait(false))?.AsArray() ?? [];
        var used = links.Select(link => link?["ifname"]?.GetValue<string>())
            .Where(name => name is not null && name.StartsWith("wv", StringComparison.Ordinal))
            .Select(name => int.TryParse(name.AsSpan(2), NumberStyles.None, CultureInfo.InvariantCulture, out var slot) ? slot : -1)
            .ToHashSet();
        for (var slot = 1; slot < Slots; slot++)
        {
            if (!used.Contains(slot))
            {
                return slot;
            }
        }

        throw new VmmException("no free capsule network slot");
    }

    private static Task<string> Ip(CancellationToken cancellationToken, params string[] arguments) =>
        HostCommand.RunAsync("ip", arguments, cancellationToken);

    /// <summary>Loads an nftables ruleset, on the host or inside <paramref name="networkNamespace"/>.</summary>
    private static async Task Nft(string? networkNamespace, string ruleset, CancellationToken cancellationToken)
    {
        var file = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(file, ruleset, cancellationToken).ConfigureAwait(false);
            string[] command = networkNamespace is null ? ["nft", "-f", file] : ["ip", "netns", "exec", networkNamespace, "nft", "-f", file];
            await HostCommand.RunAsync(command[0], command[1..], cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [LoggerMessage(EventId = 4002, Level = LogLevel.Information, Message = "Removed {Count} capsule network namespaces left by an earlier run")]
    private static partial void LogOrphansRemoved(ILogger logger, int count);

    [LoggerMessage(EventId = 4001, Level = LogLevel.Warning, Message = "Removing network namespace {Namespace} failed")]
    private static partial void LogDeleteFailed(ILogger logger, string @namespace, Exception exception);
}
