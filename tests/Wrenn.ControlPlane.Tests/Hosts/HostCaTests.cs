using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Wrenn.ControlPlane.Tests.Server;

namespace Wrenn.ControlPlane.Tests.Hosts;

/// <summary>An operator's own CA (here RSA) signs host certificates instead of the one the control plane makes.</summary>
public sealed class HostCaTests
{
    [Fact]
    public async Task AnOperatorsCa_SignsHostCertificates()
    {
        var directory = Directory.CreateTempSubdirectory("wrenn-ca-");
        try
        {
            using var key = RSA.Create(2048);
            var request = new CertificateRequest("CN=Operator CA", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
            request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
            var now = TimeProvider.System.GetUtcNow();
            using var ca = request.CreateSelfSigned(now.AddDays(-1), now.AddYears(5));
            var certificatePath = Path.Combine(directory.FullName, "ca.pem");
            var keyPath = Path.Combine(directory.FullName, "ca.key");
            await File.WriteAllTextAsync(certificatePath, ca.ExportCertificatePem());
            await File.WriteAllTextAsync(keyPath, key.ExportPkcs8PrivateKeyPem());

            await using var server = await WrennServer.StartAsync("--host-ca-cert", certificatePath, "--host-ca-key", keyPath);
            using var admin = await server.NewUserSessionAsync(admin: true);
            using var agent = new HostAgentDouble(server, "agent.example.com:7443");
            var enrollment = await agent.EnrollAsync(admin);

            Assert.Equal(ca.ExportCertificatePem(), enrollment.GetProperty("ca_cert_pem").GetString()!.Trim());
            using var certificate = X509Certificate2.CreateFromPem(enrollment.GetProperty("cert_pem").GetString());
            Assert.Equal(ca.SubjectName.Name, certificate.IssuerName.Name);
            Assert.Contains("agent.example.com", certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single().EnumerateDnsNames());
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(ca);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            Assert.True(chain.Build(certificate), string.Join(", ", chain.ChainStatus.Select(status => status.StatusInformation)));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }
}
