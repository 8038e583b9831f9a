namespace Wrenn.HostAgent.Network;

/// <summary>
/// One capsule's network: its namespace, the tap device its VMM attaches the guest to, and the veth
/// pair to the host. The guest side is the same in every namespace (169.254.0.21/30 via .22), so a
/// snapshot restores into any capsule's network unchanged.
/// </summary>
/// <param name="Namespace">Network namespace name (wrenn-…).</param>
/// <param name="Slot">The /30 of 10.200.0.0/16 used by the veth pair.</param>
public sealed record CapsuleNetwork(string Namespace, int Slot)
{
    public const string TapName = "tap0";
    public const string GuestAddress = "169.254.0.21";
    public const string GatewayAddress = "169.254.0.22";
    public const int GuestPrefix = 30;

    /// <summary>A locally administered MAC, the same for every guest (each sits alone on its tap).</summary>
    public const string GuestMac = "06:00:a9:fe:00:15";

    /// <summary>The tap's MAC, also the same everywhere: a restored guest's ARP entry for the gateway stays valid.</summary>
    public const string GatewayMac = "06:00:a9:fe:00:16";

    /// <summary>Host-side veth name: "wv" and the slot, well under the 15-character limit.</summary>
    public string HostVeth => "wv" + Slot.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public string HostAddress => SlotAddress(1);

    public string NamespaceAddress => SlotAddress(2);

    /// <summary>Path of the namespace for tools that take one (the jailer's --netns).</summary>
    public string NamespacePath => CapsuleNetworks.NamespaceDirectory + Namespace;

    /// <summary>
    /// The guest kernel arguments that configure eth0 at boot (images/initramfs/init) and the
    /// resolvers its resolv.conf names.
    /// </summary>
    public static IEnumerable<string> KernelArguments(IReadOnlyList<System.Net.IPAddress> resolvers)
    {
        ArgumentNullException.ThrowIfNull(resolvers);
        yield return $"wrenn.net={GuestAddress}/{GuestPrefix},{GatewayAddress}";
        if (resolvers.Count > 0)
        {
            yield return "wrenn.dns=" + string.Join(',', resolvers);
        }
    }

    private string SlotAddress(int host)
    {
        var offset = (Slot * 4) + host;
        return $"10.200.{offset >> 8}.{offset & 255}";
    }
}
