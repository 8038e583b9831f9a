using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Dapper;
using Wrenn.ControlPlane.Identity;
using Wrenn.ControlPlane.Storage;

namespace Wrenn.ControlPlane.Hosts;

/// <summary>
/// The control plane's certificate authority for mutual TLS with host agents: it signs each
/// agent's server certificate from the agent's CSR (the private key never leaves the host) and the
/// control plane's own client certificate. The CA (ECDSA P-256, self-signed) is made on first use
/// and kept in the database's <c>settings</c>, so every control-plane process sharing the database
/// signs with the same one. An operator may supply the CA instead (<see cref="ControlPlaneOptions.HostCaCertificate"/>,
/// ECDSA or RSA).
/// </summary>
internal sealed class HostCertificates(Database database, ControlPlaneOptions options, TimeProvider time) : IDisposable
{
    /// <summary>The subject of the control plane's client certificate; agents accept only this name from this CA.</summary>
    public const string ControlPlaneName = "wrenn-control-plane";

    private const string CaSetting = "hosts_ca";
    private static readonly TimeSpan CaLifetime = TimeSpan.FromDays(3650);
    private static readonly TimeSpan LeafLifetime = TimeSpan.FromDays(365);
    // Clocks of hosts and control plane differ a little: certificates are valid from a bit before now.
    private static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(5);
    // The client certificate is replaced this long before it expires.
    private static readonly TimeSpan RenewBefore = TimeSpan.FromDays(30);

    private readonly SemaphoreSlim _gate = new(1, 1);
    private X509Certificate2? _ca;
    private X509Certificate2? _client;

    public void Dispose()
    {
        _gate.Dispose();
        _ca?.Dispose();
        _client?.Dispose();
    }

    /// <summary>The CA certificate (without its key), which agents trust for the control plane's client certificate.</summary>
    public async Task<X509Certificate2> CaCertificateAsync(CancellationToken cancellationToken) =>
        X509CertificateLoader.LoadCertificate((await CaAsync(cancellationToken).ConfigureAwait(false)).RawData);

    public async Task<string> CaPemAsync(CancellationToken cancellationToken) =>
        (await CaAsync(cancellationToken).ConfigureAwait(false)).ExportCertificatePem();

    /// <summary>
    /// The control plane's client certificate with its private key (clientAuth only, CN
    /// <see cref="ControlPlaneName"/>), made once per process and renewed before it expires.
    /// </summary>
    public async Task<X509Certificate2> ClientCertificateAsync(CancellationToken cancellationToken)
    {
        if (_client is { } current && current.NotAfter.ToUniversalTime() - time.GetUtcNow().UtcDateTime > RenewBefore)
        {
            return current;
        }

        var ca = await CaAsync(cancellationToken).ConfigureAwait(false);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=" + ControlPlaneName, key, HashAlgorithmName.SHA256);
        AddLeafExtensions(request, "1.3.6.1.5.5.7.3.2", san: null);
        using var issued = Issue(request, ca);
        _client = issued.CopyWithPrivateKey(key);
        return _client;
    }

    /// <summary>
    /// Signs an agent's PKCS#10 request (its signature verified) as the host's server certificate:
    /// CN = the host id, serverAuth, the registered address's host as subject alternative name.
    /// </summary>
    /// <returns>The certificate as PEM, or null when <paramref name="csrPem"/> is not a valid, self-signed request.</returns>
    public async Task<string?> SignHostAsync(string csrPem, HostId host, string addressHost, CancellationToken cancellationToken)
    {
        CertificateRequest submitted;
        try
        {
            submitted = CertificateRequest.LoadSigningRequestPem(csrPem, HashAlgorithmName.SHA256, CertificateRequestLoadOptions.Default);
        }
        catch (CryptographicException)
        {
            return null;
        }

        var ca = await CaAsync(cancellationToken).ConfigureAwait(false);
        // Only the key comes from the request: the name and extensions are the control plane's to decide.
        var request = new CertificateRequest(new X500DistinguishedName("CN=" + host.Value), submitted.PublicKey, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        if (IPAddress.TryParse(addressHost, out var ip))
        {
            san.AddIpAddress(ip);
        }
        else
        {
            san.AddDnsName(addressHost);
        }

        AddLeafExtensions(request, "1.3.6.1.5.5.7.3.1", san);
        using var certificate = Issue(request, ca);
        return certificate.ExportCertificatePem();
    }

    private X509Certificate2 Issue(CertificateRequest request, X509Certificate2 ca)
    {
        var now = time.GetUtcNow();
        var notAfter = now + LeafLifetime < ca.NotAfter.ToUniversalTime() ? now + LeafLifetime : new DateTimeOffset(ca.NotAfter.ToUniversalTime());
        // An operator's CA may lack a subject key identifier: then the issuer is named by name and serial.
        var keyIdentified = ca.Extensions.OfType<X509SubjectKeyIdentifierExtension>().Any();
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, keyIdentified, includeIssuerAndSerial: !keyIdentified));
        // The issuer's key type may differ from the subject's (an RSA operator CA, ECDSA agents): sign with the CA's own key.
        using var ecdsa = ca.GetECDsaPrivateKey();
        using var rsa = ecdsa is null ? ca.GetRSAPrivateKey() : null;
        var signer = ecdsa is not null ? X509SignatureGenerator.CreateForECDsa(ecdsa)
            : rsa is not null ? X509SignatureGenerator.CreateForRSA(rsa, RSASignaturePadding.Pkcs1)
            : throw new CryptographicException("the host CA's key is neither ECDSA nor RSA");
        return request.Create(ca.SubjectName, signer, now - ClockSkew, notAfter, RandomNumberGenerator.GetBytes(16));
    }

    private static void AddLeafExtensions(CertificateRequest request, string usage, SubjectAlternativeNameBuilder? san)
    {
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(usage)], true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        if (san is not null)
        {
            request.CertificateExtensions.Add(san.Build(critical: false));
        }
    }

    /// <summary>The CA with its key: the operator's, else read from the database, or made and stored if absent (the first process to store it wins).</summary>
    private async Task<X509Certificate2> CaAsync(CancellationToken cancellationToken)
    {
        if (_ca is { } cached)
        {
            return cached;
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_ca is not null)
            {
                return _ca;
            }

            if (options.HostCaCertificate is { } certificatePath)
            {
                _ca = X509Certificate2.CreateFromPemFile(certificatePath, options.HostCaKey);
                return _ca;
            }

            await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
            const string Read = "SELECT value FROM settings WHERE key = @Key";
            var stored = await connection.ExecuteScalarAsync<string?>(Read, new { Key = CaSetting }).ConfigureAwait(false);
            if (stored is null)
            {
                await connection.ExecuteAsync("INSERT INTO settings (key, value) VALUES (@Key, @Value) ON CONFLICT (key) DO NOTHING",
                    new { Key = CaSetting, Value = NewCa() }).ConfigureAwait(false);
                stored = await connection.ExecuteScalarAsync<string>(Read, new { Key = CaSetting }).ConfigureAwait(false);
            }

            _ca = X509Certificate2.CreateFromPem(stored, stored);
            return _ca;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>A new CA: certificate and PKCS#8 private key, PEM, one after the other.</summary>
    private string NewCa()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=Wrenn host CA", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var now = time.GetUtcNow();
        using var certificate = request.CreateSelfSigned(now - ClockSkew, now + CaLifetime);
        return certificate.ExportCertificatePem() + "\n" + key.ExportPkcs8PrivateKeyPem() + "\n";
    }
}
