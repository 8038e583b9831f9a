using System.Collections;
using System.Net;
using Wrenn.Server.Serve;
using Wrenn.Server.Serve.Settings;

namespace Wrenn.Server.Tests.Serve;

public sealed class SettingsReaderTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("wrenn-settings-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Defaults_AreTheDocumentedOnes_AndSignupFollowsTheListenAddresses()
    {
        var settings = Read();

        Assert.Equal([new IPEndPoint(IPAddress.Loopback, 8080)], settings.Listen);
        Assert.Equal("/var/lib/wrenn", settings.DataDirectory);
        Assert.Equal("/var/lib/wrenn/templates", settings.TemplatesDirectory);
        Assert.True(settings.Signup);
        Assert.Equal(8, settings.MaxVcpus);
        Assert.Equal(20L << 30, settings.TemplateCacheBytes);
        Assert.Equal(0, settings.RateLimit);

        Assert.False(Read(flags: new() { [ServeCatalog.Listen] = ["0.0.0.0:9000"] }).Signup);
    }

    [Fact]
    public void AFlag_BeatsTheEnvironment_WhichBeatsTheFile()
    {
        var file = Config("""{ "max_vcpus": 2, "max_memory_mb": 4096, "team_max_capsules": 3, "listen": ["127.0.0.1:1", "[::1]:2"] }""");
        var environment = new Hashtable { ["WRENN_MAX_VCPUS"] = "4", ["WRENN_MAX_MEMORY_MB"] = "2048" };

        var settings = Read(new() { [ServeCatalog.MaxVcpus] = ["6"] }, environment, file);

        Assert.Equal(6, settings.MaxVcpus);
        Assert.Equal(2048, settings.MaxMemoryMb);
        Assert.Equal(3, settings.TeamMaxCapsules);
        Assert.Equal([IPEndPoint.Parse("127.0.0.1:1"), IPEndPoint.Parse("[::1]:2")], settings.Listen);
    }

    [Fact]
    public void EveryBadValue_IsReported_WithWhereItCameFrom()
    {
        var file = Config("""{ "max_vcpus": "many", "bogus": true, "template_cache_bytes": "12Q" }""");
        var reader = new SettingsReader();
        reader.Read(new Dictionary<Setting, IReadOnlyList<string>> { [ServeCatalog.Listen] = ["nowhere"] },
            new Hashtable { ["WRENN_RATE_LIMIT"] = "-1", ["WRENN_SIGNUP"] = "maybe" }, file);

        Assert.Collection(reader.Errors.Order(StringComparer.Ordinal),
            error => Assert.StartsWith("\"max_vcpus\" in ", error),
            error => Assert.StartsWith("\"template_cache_bytes\" in ", error),
            error => Assert.StartsWith("--listen: 'nowhere' is not an address", error),
            error => Assert.Contains("\"bogus\" is not a setting", error),
            error => Assert.StartsWith("WRENN_RATE_LIMIT: ", error),
            error => Assert.StartsWith("WRENN_SIGNUP: 'maybe' is not true or false", error));
    }

    [Fact]
    public void EgressRanges_AreIpv4Cidrs_OrSingleAddresses()
    {
        var settings = Read(new() { [ServeCatalog.EgressAllow] = ["10.1.0.0/16", "192.0.2.7"], [ServeCatalog.CapsuleDns] = ["192.0.2.53"] },
            new Hashtable { ["WRENN_EGRESS_DENY"] = "203.0.113.0/24, 198.51.100.9" });

        Assert.Equal([IPNetwork.Parse("10.1.0.0/16"), IPNetwork.Parse("192.0.2.7/32")], settings.EgressAllow);
        Assert.Equal([IPNetwork.Parse("203.0.113.0/24"), IPNetwork.Parse("198.51.100.9/32")], settings.EgressDeny);
        Assert.Equal([IPAddress.Parse("192.0.2.53")], settings.CapsuleDns);
        Assert.True(settings.CapsuleNetwork);

        var reader = new SettingsReader();
        reader.Read(new Dictionary<Setting, IReadOnlyList<string>> { [ServeCatalog.EgressAllow] = ["10.1.0.1/16"], [ServeCatalog.EgressDeny] = ["fd00::/8"] },
            new Hashtable(), null);
        Assert.Equal(
            ["--egress-allow: '10.1.0.1/16' is not an IPv4 address or range", "--egress-deny: 'fd00::/8' is not an IPv4 address or range"],
            reader.Errors.Order(StringComparer.Ordinal).Select(error => error.Split(" such as", 2)[0]));
    }

    [Fact]
    public void TheDatabase_IsSqliteByDefault_OrAPostgresUrl_WhosePasswordNoErrorRepeats()
    {
        Assert.Null(Read().Database);
        Assert.Null(Read(environment: new Hashtable { ["WRENN_DATABASE"] = " " }).Database);
        Assert.Equal("postgresql://wrenn:pw@db:5433/wrenn", Read(environment: new Hashtable { ["WRENN_DATABASE"] = "postgresql://wrenn:pw@db:5433/wrenn" }).Database);

        var reader = new SettingsReader();
        reader.Read(new Dictionary<Setting, IReadOnlyList<string>> { [ServeCatalog.Database] = ["mysql://wrenn:secret-pw@db/wrenn"] }, new Hashtable(), null);
        var error = Assert.Single(reader.Errors);
        Assert.StartsWith("--database: not a postgres://", error, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-pw", error, StringComparison.Ordinal);
    }

    [Fact]
    public void SettingsThatGoTogether_AreChecked()
    {
        var settings = Read(new() { [ServeCatalog.TlsCertificate] = [Path.Combine(_directory, "missing.pem")], [ServeCatalog.ImagesDirectory] = [_directory] });

        Assert.Equal(
            ["tls_cert and tls_key go together: give both or neither", $"tls_cert: {Path.Combine(_directory, "missing.pem")} does not exist"],
            settings.Problems());
    }

    [Fact]
    public void ATlsPairThatDoesNotLoad_IsAProblem_NotAStackTraceAtTheFirstConnection()
    {
        var certificate = Path.Combine(_directory, "cert.pem");
        var key = Path.Combine(_directory, "key.pem");
        File.WriteAllText(certificate, "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n");
        File.WriteAllText(key, "not a key");

        var settings = Read(new() { [ServeCatalog.TlsCertificate] = [certificate], [ServeCatalog.TlsKey] = [key], [ServeCatalog.ImagesDirectory] = [_directory] });

        Assert.StartsWith("tls_cert and tls_key: not a PEM certificate and its private key", Assert.Single(settings.Problems()), StringComparison.Ordinal);
    }

    [Fact]
    public void TheDevelopmentCa_NeedsTheDomainItsCertificateNames()
    {
        var settings = Read(new() { [ServeCatalog.TlsLocalCa] = ["on"], [ServeCatalog.ImagesDirectory] = [_directory] });

        Assert.Equal(["tls_local_ca needs proxy_domain (the names its certificate is for), and excludes tls_cert"], settings.Problems());
        Assert.Empty(Read(new() { [ServeCatalog.TlsLocalCa] = ["on"], [ServeCatalog.ProxyDomain] = ["wrenn.test"], [ServeCatalog.ImagesDirectory] = [_directory] }).Problems());
    }

    [Theory]
    [InlineData("/e2b", "/e2b")]
    [InlineData("/compat/e2b/", "/compat/e2b")]
    [InlineData("none", null)]
    public void TheE2bPath_IsAUrlPath_OrNone(string given, string? expected) =>
        Assert.Equal(expected, Read(new() { [ServeCatalog.E2bPath] = [given] }).E2bPath);

    [Fact]
    public void TheDevelopmentCa_SignsACertificate_ForTheDomainAndItsSubdomains()
    {
        using var certificate = LocalTls.ServerCertificate(_directory, "wrenn.test", TimeProvider.System);
        using var again = LocalTls.ServerCertificate(_directory, "wrenn.test", TimeProvider.System);

        Assert.True(certificate.HasPrivateKey);
        Assert.True(certificate.MatchesHostname("api.wrenn.test"));
        Assert.True(certificate.MatchesHostname("49983-cl-abc.wrenn.test"));
        Assert.False(certificate.MatchesHostname("other.example"));
        Assert.Equal(certificate.Thumbprint, again.Thumbprint);
        using var chain = new System.Security.Cryptography.X509Certificates.X509Chain();
        chain.ChainPolicy.TrustMode = System.Security.Cryptography.X509Certificates.X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.RevocationMode = System.Security.Cryptography.X509Certificates.X509RevocationMode.NoCheck;
        chain.ChainPolicy.CustomTrustStore.Add(System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(File.ReadAllText(LocalTls.CaPath(_directory))));
        Assert.True(chain.Build(certificate));
        using var other = LocalTls.ServerCertificate(_directory, "other.test", TimeProvider.System);
        Assert.True(other.MatchesHostname("api.other.test"));
    }

    [Fact]
    public void AMemoryStep_ThatRefusesTheDefaultSize_IsAProblem()
    {
        var settings = Read(new() { [ServeCatalog.MemoryStepMb] = ["384"], [ServeCatalog.ImagesDirectory] = [_directory] });

        Assert.Equal(["memory_step_mb (384) and max_memory_mb (16384) must allow 512, the memory_mb of a create that names none"], settings.Problems());
    }

    [Theory]
    [InlineData("512", 512L)]
    [InlineData("4K", 4096L)]
    [InlineData("20G", 20L << 30)]
    [InlineData("1TiB", 1L << 40)]
    [InlineData("3 MB", 3L << 20)]
    public void Sizes_TakeBinaryUnits(string text, long bytes) => Assert.Equal(bytes, ValueParsers.Bytes(text));

    [Fact]
    public void TheOperationsGuide_ListsEverySetting()
    {
        var guide = File.ReadAllText(Path.Combine(RepositoryRoot(), "docs", "operations.md"));
        foreach (var setting in ServeCatalog.All)
        {
            Assert.Contains($"`{setting.Key}`", guide, StringComparison.Ordinal);
        }
    }

    private static ServeSettings Read(Dictionary<Setting, IReadOnlyList<string>>? flags = null, Hashtable? environment = null, string? file = null)
    {
        var reader = new SettingsReader();
        var resolved = reader.Read(flags ?? [], environment ?? [], file);
        Assert.Empty(reader.Errors);
        return ServeSettings.From(resolved);
    }

    private string Config(string json)
    {
        var path = Path.Combine(_directory, "serve.json");
        File.WriteAllText(path, json);
        return path;
    }

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Wrenn.slnx")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("repository root not found");
    }
}
