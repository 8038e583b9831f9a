using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Wrenn.Server.Serve;

/// <summary>
/// HTTPS for development without an operator's certificate (setting <c>tls_local_ca</c>): a CA made
/// once under <c>&lt;data_dir&gt;/tls</c> (<c>ca.pem</c>, which clients are told to trust, e.g.
/// <c>NODE_EXTRA_CA_CERTS</c>) and a server certificate it signs for <c>proxy_domain</c>,
/// <c>*.proxy_domain</c> (which covers <c>api.</c> and every <c>{port}-{capsule}.</c> name),
/// <c>localhost</c> and the loopback addresses. The server certificate is made again when its
/// names change or it nears its end. Files are written beside their final names, then renamed.
/// </summary>
internal static class LocalTls
{
    private static readonly TimeSpan CaLifetime = TimeSpan.FromDays(3650);
    private static readonly TimeSpan ServerLifetime = TimeSpan.FromDays(365);
    private static readonly TimeSpan RenewBefore = TimeSpan.FromDays(30);

    public static string CaPath(string dataDirectory) => Path.Combine(dataDirectory, "tls", "ca.pem");

    /// <summary>The server certificate (with its key) for <paramref name="domain"/>, made or renewed as needed.</summary>
    public static X509Certificate2 ServerCertificate(string dataDirectory, string domain, TimeProvider time)
    {
        var directory = Directory.CreateDirectory(Path.Combine(dataDirectory, "tls"));
        directory.UnixFileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
        var now = time.GetUtcNow();
        using var ca = LoadOrMakeCa(directory.FullName, now);
        var certificatePath = Path.Combine(directory.FullName, "server.pem");
        var keyPath = Path.Combine(directory.FullName, "server-key.pem");
        if (File.Exists(certificatePath) && File.Exists(keyPath))
        {
            var existing = X509Certificate2.CreateFromPemFile(certificatePath, keyPath);
            if (existing.MatchesHostname("x." + domain) && existing.MatchesHostname(domain)
                && existing.NotAfter.ToUniversalTime() - now.UtcDateTime > RenewBefore && existing.Issuer == ca.Subject)
            {
                return existing;
            }

            existing.Dispose();
        }

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=" + domain, key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(domain);
        names.AddDnsName("*." + domain);
        names.AddDnsName("localhost");
        names.AddIpAddress(System.Net.IPAddress.Loopback);
        names.AddIpAddress(System.Net.IPAddress.IPv6Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var issued = request.Create(ca, now.AddMinutes(-5), now + ServerLifetime, RandomNumberGenerator.GetBytes(16));
        WriteAtomically(keyPath, key.ExportPkcs8PrivateKeyPem());
        WriteAtomically(certificatePath, issued.ExportCertificatePem() + "\n" + ca.ExportCertificatePem() + "\n");
        return X509Certificate2.CreateFromPemFile(certificatePath, keyPath);
    }

    private static X509Certificate2 LoadOrMakeCa(string directory, DateTimeOffset now)
    {
        var certificatePath = Path.Combine(directory, "ca.pem");
        var keyPath = Path.Combine(directory, "ca-key.pem");
        if (File.Exists(certificatePath) && File.Exists(keyPath))
        {
            return X509Certificate2.CreateFromPemFile(certificatePath, keyPath);
        }

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=Wrenn development CA " + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4)), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        using var ca = request.CreateSelfSigned(now.AddMinutes(-5), now + CaLifetime);
        // The key first: a CA certificate without its key would be taken as complete next time.
        WriteAtomically(keyPath, key.ExportPkcs8PrivateKeyPem());
        WriteAtomically(certificatePath, ca.ExportCertificatePem() + "\n", UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        return X509Certificate2.CreateFromPemFile(certificatePath, keyPath);
    }

    private static void WriteAtomically(string path, string text, UnixFileMode mode = UnixFileMode.UserRead | UnixFileMode.UserWrite)
    {
        var temporary = path + ".tmp";
        File.Delete(temporary);
        using (var file = new FileStream(temporary, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = mode }))
        using (var writer = new StreamWriter(file))
        {
            writer.Write(text);
            writer.Flush();
            file.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
    }
}
