using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Wrenn.ControlPlane.Hosts;

/// <summary>
/// Where the control plane reaches a host's agent: <c>host:port</c> with an IPv4 address, a DNS
/// name or a bracketed IPv6 address (<c>[2001:db8::1]:7443</c>).
/// </summary>
internal static class HostAddress
{
    /// <summary>The host part (brackets removed) if <paramref name="address"/> is a valid <c>host:port</c>, else null.</summary>
    public static string? HostOf(string? address) => TryParse(address, out var host) ? host : null;

    private static bool TryParse(string? address, out string host)
    {
        host = string.Empty;
        if (address is not { Length: > 0 and <= 261 })
        {
            return false;
        }

        var colon = address.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(address.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
        {
            return false;
        }

        var name = address[..colon];
        if (name.StartsWith('[') && name.EndsWith(']'))
        {
            name = name[1..^1];
            if (!IPAddress.TryParse(name, out var v6) || v6.AddressFamily != AddressFamily.InterNetworkV6)
            {
                return false;
            }
        }
        else if (Uri.CheckHostName(name) is not (UriHostNameType.Dns or UriHostNameType.IPv4) || name.Contains(':', StringComparison.Ordinal))
        {
            return false;
        }

        host = name;
        return true;
    }
}
