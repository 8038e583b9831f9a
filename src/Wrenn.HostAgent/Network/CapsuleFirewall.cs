using System.Net;

namespace Wrenn.HostAgent.Network;

/// <summary>
/// The nftables rulesets of capsule networks (docs/networking.md). The egress policy is enforced
/// inside each capsule's namespace, where the guest cannot reach it and where each server's own
/// policy applies to its own capsules; the host's table adds what holds for every capsule: none
/// reaches the host or another capsule.
/// </summary>
internal static class CapsuleFirewall
{
    /// <summary>
    /// Inside a capsule's namespace: the guest's packets pass only from its own address (anything
    /// else is spoofed), only over IPv4, only where <paramref name="policy"/> allows, and leave
    /// masqueraded as the namespace; nothing the guest sends reaches the namespace itself, except the
    /// answers to connections made from the namespace (the host's file lane, docs/file-lane.md).
    /// </summary>
    public static string NamespaceRules(EgressPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        return $$"""
            table inet wrenn {
              set deny { type ipv4_addr; flags interval; auto-merge;{{Elements(policy.Deny)}} }
              set allow { type ipv4_addr; flags interval; auto-merge;{{Elements(policy.Allow)}} }
              set blocked { type ipv4_addr; flags interval; auto-merge;{{Elements(EgressPolicy.Blocked)}} }
              set resolvers { type ipv4_addr;{{Elements(policy.Resolvers.Select(address => address.ToString()))}} }
              chain input {
                type filter hook input priority filter; policy accept;
                iifname "{{CapsuleNetwork.TapName}}" ct state established,related accept
                iifname "{{CapsuleNetwork.TapName}}" drop
              }
              chain forward {
                type filter hook forward priority filter; policy drop;
                iifname "{{CapsuleNetwork.TapName}}" oifname "eth0" jump egress
                iifname "eth0" oifname "{{CapsuleNetwork.TapName}}" ct state established,related accept
              }
              chain egress {
                meta nfproto != ipv4 drop
                ip saddr != {{CapsuleNetwork.GuestAddress}} drop
                ip daddr @resolvers udp dport 53 accept
                ip daddr @resolvers tcp dport 53 accept
                ip daddr @deny drop
                ip daddr @allow accept
                ip daddr @blocked drop
                accept
              }
              chain postrouting {
                type nat hook postrouting priority srcnat; policy accept;
                oifname "eth0" ip saddr {{CapsuleNetwork.GuestAddress}} masquerade
              }
            }
            """;
    }

    /// <summary>
    /// On the host, shared by every capsule network: forwarding of what capsule namespaces send
    /// (only from their own 10.200.0.0/16 addresses), masqueraded; nothing to the host's own
    /// addresses, to another capsule, or to link-local ones, whatever a namespace's policy says.
    /// </summary>
    public const string HostRules = """
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
            iifname "wv*" ip saddr != 10.200.0.0/16 drop comment "nor send from an address not theirs"
            iifname "wv*" ip daddr 169.254.0.0/16 drop comment "nor reach link-local addresses such as cloud metadata"
            iifname "wv*" meta nfproto ipv4 accept
            iifname "wv*" drop
            oifname "wv*" ct state established,related accept
            oifname "wv*" drop
          }
          chain postrouting {
            type nat hook postrouting priority srcnat; policy accept;
            ip saddr 10.200.0.0/16 oifname != "wv*" masquerade
          }
        }
        """;

    private static string Elements(IEnumerable<IPNetwork> ranges) => Elements(ranges.Select(range => range.ToString()));

    private static string Elements(IEnumerable<string> items)
    {
        var list = items.ToList();
        return list.Count == 0 ? "" : " elements = { " + string.Join(", ", list) + " };";
    }
}
