using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Wrenn.ControlPlane.Hosts;
using Wrenn.ControlPlane.Storage;
using Wrenn.ControlPlane.Tests.Server;

namespace Wrenn.ControlPlane.Tests.Hosts;

/// <summary>The control plane's CA, shared through the database, and its client certificate for mutual TLS to agents.</summary>
public sealed class HostCertificatesTests : IAsyncLifetime
{
    private TemporaryDatabase _temporary = null!;
    private Database _database = null!;

    public async Task InitializeAsync()
    {
        _temporary = await TemporaryDatabase.CreateAsync();
        _database = _temporary.Database;
    }

    public async Task DisposeAsync() => await _temporary.DisposeAsync();

    [Fact]
    public async Task ProcessesSharingADatabase_ShareTheCa_AndTheClientCertificateChainsToIt()
    {
        var options = new ControlPlaneOptions { DataDirectory = _temporary.Directory.FullName };
        using var first = new HostCertificates(_database, options, TimeProvider.System);
        using var second = new HostCertificates(_database, options, TimeProvider.System);
        var pems = await Task.WhenAll(first.CaPemAsync(CancellationToken.None), second.CaPemAsync(CancellationToken.None));
        Assert.Equal(pems[0], pems[1]);

        using var ca = await first.CaCertificateAsync(CancellationToken.None);
        Assert.False(ca.HasPrivateKey);
        var client = await second.ClientCertificateAsync(CancellationToken.None);
        Assert.Same(client, await second.ClientCertificateAsync(CancellationToken.None));
        Assert.Equal("CN=" + HostCertificates.ControlPlaneName, client.Subject);
        Assert.Equal("1.3.6.1.5.5.7.3.2", Assert.Single(client.Extensions.OfType<X509EnhancedKeyUsageExtension>().Single().EnhancedKeyUsages.Cast<Oid>()).Value);
        using var key = client.GetECDsaPrivateKey()!;
        var data = "challenge"u8.ToArray();
        Assert.True(client.GetECDsaPublicKey()!.VerifyData(data, key.SignData(data, HashAlgorithmName.SHA256), HashAlgorithmName.SHA256));

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        Assert.True(chain.Build(client), string.Join(", ", chain.ChainStatus.Select(status => status.StatusInformation)));
    }
}
