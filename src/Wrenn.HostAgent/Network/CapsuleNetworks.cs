using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Wrenn.HostAgent.Vmm;

namespace Wrenn.HostAgent.Network;

/// <summary>
/// Sets up and tears down capsule networks with iproute2 and nftables: per capsule a namespace
/// holding the guest's tap device, its egress policy and NAT, joined to the host by a veth pair;
/// on the host, one nftables table that forwards capsule traffic out, masqueraded, and drops
/// everything a capsule sends to another capsule or to the host itself (<see cref="CapsuleFirewall"/>).
/// Everything is named wrenn-*/wv*, so a crashed host agent's leftovers are found and removed.
/// </summary>
public sealed partial class CapsuleNetworks(EgressPolicy policy, TimeProvider time, ILogger<CapsuleNetworks> logger) : IDisposable
{
    public const string NamespacePrefix = "wrenn-";
    private const int Slots = 16_384;

    /// <summary>Where iproute2 keeps named network namespaces (bind mounts of them).</summary>
    public const string NamespaceDirectory = "/var/run/netns/";

    // A namespace younger than this may be one another server on this host is setting up: the
    // orphan sweep leaves it alone even though no process lives in it yet.
    private static readonly TimeSpan OrphanAge = TimeSpan.FromMinutes(1);
    private readonly SemaphoreSlim _allocation = new(1, 1);
    private bool _hostReady;

    public EgressPolicy Policy { get; } = policy;

    /// <summary>
    /// Eight hex digits naming what a guest's cold boot bakes in from this configuration (its
    /// resolvers), so template snapshots made under other settings are not reused.
    /// </summary>
    public string Fingerprint { get; } = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(
        System.Text.Encoding.UTF8.GetBytes(string.Join(',', policy.Resolvers))))[..8];

    /// <summary>Path of the namespace of capsule <paramref name="key"/>'s network.</summary>
    public static string PathOf(string key) => NamespaceDirectory + NamespacePrefix + key;

    /// <summary>Creates the network of capsule <paramref name="key"/>; on failure nothing is left behind.</summary>
    public async Task<CapsuleNetwork> CreateAsync(string key, CancellationToken cancellationToken)
    {
        await _allocation.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await EnsureHostRulesAsync(cancellationToken).ConfigureAwait(false);
            // Another server on this host may take the same free slot at the same moment: the
            // loser's veth cannot be made, and it tries the next free slot.
            for (var attempt = 1; ; attempt++)
            {
                var network = new CapsuleNetwork(NamespacePrefix + key, FreeSlot());
                try
                {
                    await ConfigureAsync(network, Policy, cancellationToken).ConfigureAwait(false);
                    return network;
                }
                catch (Exception exception) when (exception is not OperationCanceledException && attempt < 3)
                {
                    LogRetry(logger, network.Namespace, network.Slot, exception);
                    await DeleteAsync(network.Namespace, CancellationToken.None).ConfigureAwait(false);
                }
                catch
                {
                    await DeleteAsync(network.Namespace, CancellationToken.None).ConfigureAwait(false);
                    throw;
                }
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

    /// <summary>Removes the namespace of capsule <paramref name="key"/> if there is one (its VMM is gone).</summary>
    public async Task DeleteIfPresentAsync(string key, CancellationToken cancellationToken)
    {
        var name = NamespacePrefix + key;
        if (File.Exists(NamespaceDirectory + name))
        {
            await DeleteAsync(name, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Deletes the wrenn-* namespaces no process lives in any more (left by a crash); run before any capsule network is made.</summary>
    public async Task<int> RemoveOrphansAsync(CancellationToken cancellationToken)
    {
        var removed = 0;
        foreach (var name in await NamespacesAsync(cancellationToken).ConfigureAwait(false))
        {
            var pids = await Ip(cancellationToken, "netns", "pids", name).ConfigureAwait(false);
            if (string.IsNullOrWhiteSpace(pids) && time.GetUtcNow().UtcDateTime - File.GetLastWriteTimeUtc(NamespaceDirectory + name) > OrphanAge)
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

    private static async Task ConfigureAsync(CapsuleNetwork network, EgressPolicy policy, CancellationToken cancellationToken)
    {
        var ns = network.Namespace;
        if (File.Exists(NamespaceDirectory + ns))
        {
            // Left by an earlier VM of this capsule that died with its host agent: start clean.
            await Ip(cancellationToken, "netns", "delete", ns).ConfigureAwait(false);
        }

        // Two process starts rather than a dozen (every create and resume waits for them): the
        // host's side in one ip batch, the namespace's in one shell run inside it.
        var files = Directory.CreateTempSubdirectory("wrenn-net-");
        try
        {
            var host = Path.Combine(files.FullName, "host.ip");
            var inside = Path.Combine(files.FullName, "namespace.ip");
            var rules = Path.Combine(files.FullName, "namespace.nft");
            await File.WriteAllLinesAsync(host,
            [
                $"netns add {ns}",
                $"link add {network.HostVeth} type veth peer name eth0 netns {ns}",
                $"addr add {network.HostAddress}/30 dev {network.HostVeth}",
                $"link set {network.HostVeth} up",
            ], cancellationToken).ConfigureAwait(false);
            await File.WriteAllLinesAsync(inside,
            [
                "link set lo up",
                $"addr add {network.NamespaceAddress}/30 dev eth0",
                "link set eth0 up",
                $"route add default via {network.HostAddress}",
                $"tuntap add {CapsuleNetwork.TapName} mode tap",
                // The same MAC in every namespace: a guest restored from a snapshot keeps its ARP
                // entry for the gateway, which must stay right in the new namespace.
                $"link set {CapsuleNetwork.TapName} address {CapsuleNetwork.GatewayMac}",
                $"addr add {CapsuleNetwork.GatewayAddress}/{CapsuleNetwork.GuestPrefix} dev {CapsuleNetwork.TapName}",
                $"link set {CapsuleNetwork.TapName} up",
            ], cancellationToken).ConfigureAwait(false);
            // The guest's egress policy, and its traffic routed out through eth0 under the namespace's own address.
            await File.WriteAllTextAsync(rules, CapsuleFirewall.NamespaceRules(policy), cancellationToken).ConfigureAwait(false);
            await Ip(cancellationToken, "-batch", host).ConfigureAwait(false);
            // sh only sequences fixed commands; the file paths arrive as positional parameters.
            await Ip(cancellationToken, "netns", "exec", ns, "/bin/sh", "-c",
                "ip -batch \"$1\" && nft -f \"$2\" && sysctl -q -w net.ipv4.ip_forward=1", "wrenn-net", inside, rules).ConfigureAwait(false);
        }
        finally
        {
            files.Delete(recursive: true);
        }
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
        await Nft(null, CapsuleFirewall.HostRules, cancellationToken).ConfigureAwait(false);
        _hostReady = true;
    }

    private static int FreeSlot()
    {
        var used = Directory.EnumerateFileSystemEntries("/sys/class/net", "wv*").Select(Path.GetFileName)
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

    [LoggerMessage(EventId = 4003, Level = LogLevel.Warning, Message = "Setting up network namespace {Namespace} in slot {Slot} failed; trying another slot")]
    private static partial void LogRetry(ILogger logger, string @namespace, int slot, Exception exception);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Information, Message = "Removed {Count} capsule network namespaces left by an earlier run")]
    private static partial void LogOrphansRemoved(ILogger logger, int count);

    [LoggerMessage(EventId = 4001, Level = LogLevel.Warning, Message = "Removing network namespace {Namespace} failed")]
    private static partial void LogDeleteFailed(ILogger logger, string @namespace, Exception exception);
}
