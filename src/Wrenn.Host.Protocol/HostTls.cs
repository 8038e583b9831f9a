using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Wrenn.Host.Protocol;

/// <summary>
/// The trust rule of the control plane ⇄ host link (mutual TLS): a peer certificate counts only if
/// the control plane's own CA issued it — never the machine's trust store — and it is meant for its
/// side: hosts present server certificates, the control plane a client certificate, so one host's
/// certificate can never be used to drive another host.
/// </summary>
public static class HostTls
{
    public const string ServerAuth = "1.3.6.1.5.5.7.3.1";
    public const string ClientAuth = "1.3.6.1.5.5.7.3.2";

    public static bool IsIssuedFor(X509Certificate2? certificate, X509Certificate2 authority, string usage)
    {
        ArgumentNullException.ThrowIfNull(authority);
        if (certificate is null || !HasUsage(certificate, usage))
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(authority);
        // The CA is the control plane's own: there is no revocation list to consult.
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.ApplicationPolicy.Add(new Oid(usage));
        return chain.Build(certificate);
    }

    /// <summary>The certificate names the usage, or names none (valid for any, RFC 5280 — an operator's own certificate may).</summary>
    private static bool HasUsage(X509Certificate2 certificate, string usage)
    {
        var usages = certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>().SelectMany(extension => extension.EnhancedKeyUsages.Cast<Oid>()).ToList();
        return usages.Count == 0 || usages.Any(oid => oid.Value == usage);
    }
}
