using System.Net;
using Wrenn.Server.Hosting;
using Wrenn.Server.Serve.Settings;
using Wrenn.ControlPlane;

namespace Wrenn.Server.Serve;

/// <summary>The resolved settings of <c>wrenn serve</c> (each is described in <see cref="ServeCatalog"/>).</summary>
internal sealed record ServeSettings(
    IReadOnlyList<IPEndPoint> Listen,
    string DataDirectory,
    string? Database,
    string ImagesDirectory,
    string TemplatesDirectory,
    string? TlsCertificate,
    string? TlsKey,
    bool TlsLocalCa,
    string? DashboardDirectory,
    string LogFormat,
    string LogLevel,
    bool Signup,
    string? ProxyDomain,
    string? E2bPath,
    bool ProxyRequiresKey,
    string? MetricsToken,
    int MaxVcpus,
    int MaxMemoryMb,
    int MemoryStepMb,
    int TeamMaxCapsules,
    int TeamMaxVcpus,
    int TeamMaxMemoryMb,
    long TeamMaxSnapshotBytes,
    double RateLimit,
    int RateBurst,
    long TemplateCacheBytes,
    bool PrebuildTemplates,
    int SnapshotUploadDelay,
    string SnapshotStore,
    Uri? SnapshotStoreEndpoint,
    string? SnapshotStoreRegion,
    string? SnapshotStoreAccessKey,
    string? SnapshotStoreSecretKey,
    string? Firecracker,
    string? Jailer,
    bool VmmUnprivileged,
    bool CapsuleNetwork,
    IReadOnlyList<IPAddress> CapsuleDns,
    IReadOnlyList<IPNetwork> EgressAllow,
    IReadOnlyList<IPNetwork> EgressDeny,
    int HostHeartbeatTimeout,
    int HostCheckInterval,
    bool InProcessHost,
    string? HostCaCertificate,
    string? HostCaKey)
{
    public static ServeSettings From(ResolvedSettings values)
    {
        ArgumentNullException.ThrowIfNull(values);
        return new ServeSettings(
            values.Get(ServeCatalog.Listen), values.Get(ServeCatalog.DataDirectory), values.Get(ServeCatalog.Database), values.Get(ServeCatalog.ImagesDirectory),
            values.Get(ServeCatalog.TemplatesDirectory), values.Get(ServeCatalog.TlsCertificate), values.Get(ServeCatalog.TlsKey), values.Get(ServeCatalog.TlsLocalCa), values.Get(ServeCatalog.DashboardDirectory),
            values.Get(ServeCatalog.LogFormat), values.Get(ServeCatalog.LogLevel), values.Get(ServeCatalog.Signup), values.Get(ServeCatalog.ProxyDomain), values.Get(ServeCatalog.E2bPath),
            values.Get(ServeCatalog.ProxyRequiresKey), values.Get(ServeCatalog.MetricsToken), values.Get(ServeCatalog.MaxVcpus),
            values.Get(ServeCatalog.MaxMemoryMb), values.Get(ServeCatalog.MemoryStepMb), values.Get(ServeCatalog.TeamMaxCapsules),
            values.Get(ServeCatalog.TeamMaxVcpus), values.Get(ServeCatalog.TeamMaxMemoryMb), values.Get(ServeCatalog.TeamMaxSnapshotBytes),
            values.Get(ServeCatalog.RateLimit), values.Get(ServeCatalog.RateBurst), values.Get(ServeCatalog.TemplateCacheBytes), values.Get(ServeCatalog.PrebuildTemplates), values.Get(ServeCatalog.SnapshotUploadDelay),
            values.Get(ServeCatalog.SnapshotStore), values.Get(ServeCatalog.SnapshotStoreEndpoint), values.Get(ServeCatalog.SnapshotStoreRegion),
            values.Get(ServeCatalog.SnapshotStoreAccessKey), values.Get(ServeCatalog.SnapshotStoreSecretKey),
            values.Get(ServeCatalog.Firecracker), values.Get(ServeCatalog.Jailer), values.Get(ServeCatalog.VmmUnprivileged), values.Get(ServeCatalog.CapsuleNetwork),
            values.Get(ServeCatalog.CapsuleDns), values.Get(ServeCatalog.EgressAllow), values.Get(ServeCatalog.EgressDeny),
            values.Get(ServeCatalog.HostHeartbeatTimeout), values.Get(ServeCatalog.HostCheckInterval), values.Get(ServeCatalog.InProcessHost), values.Get(ServeCatalog.HostCaCertificate),
            values.Get(ServeCatalog.HostCaKey));
    }

    /// <summary>Whether the operator named the snapshot store (so every host can reach it), rather than leaving the default directory of this machine.</summary>
    public bool SnapshotStoreShared => SnapshotStore != ServeCatalog.DefaultSnapshotStore(DataDirectory);

    /// <summary>The snapshot store the control plane gives its hosts.</summary>
    public Host.Protocol.SnapshotStoreSettings Store =>
        new(SnapshotStore, SnapshotStoreEndpoint?.ToString(), SnapshotStoreRegion, SnapshotStoreAccessKey, SnapshotStoreSecretKey);

    /// <summary>What this machine's host agent runs with.</summary>
    public LocalHostSettings LocalHost => new(DataDirectory, ImagesDirectory, TemplatesDirectory, TemplateCacheBytes, PrebuildTemplates, TimeSpan.FromSeconds(SnapshotUploadDelay), Firecracker, Jailer,
        VmmUnprivileged, CapsuleNetwork, CapsuleDns, EgressAllow, EgressDeny);

    /// <summary>Whether a certificate and key setting pair load as a certificate and its key (checked at start, not at first use).</summary>
    private static string? PemProblem(string certificateName, string keyName, string certificatePath, string keyPath)
    {
        try
        {
            using var certificate = System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPemFile(certificatePath, keyPath);
            return certificate.HasPrivateKey ? null : $"{keyName}: holds no private key for {certificateName}";
        }
        catch (Exception exception) when (exception is System.Security.Cryptography.CryptographicException or ArgumentException or IOException)
        {
            return $"{certificateName} and {keyName}: not a PEM certificate and its private key ({exception.Message})";
        }
    }

    /// <summary>Problems no single value shows: settings that need each other, files that must exist.</summary>
    public IEnumerable<string> Problems()
    {
        if (TlsLocalCa && (ProxyDomain is null || TlsCertificate is not null))
        {
            yield return "tls_local_ca needs proxy_domain (the names its certificate is for), and excludes tls_cert";
        }

        foreach (var (certificateName, keyName, certificate, key) in new[] { ("tls_cert", "tls_key", TlsCertificate, TlsKey), ("host_ca_cert", "host_ca_key", HostCaCertificate, HostCaKey) })
        {
            if ((certificate is null) != (key is null))
            {
                yield return $"{certificateName} and {keyName} go together: give both or neither";
            }
            else if (certificate is not null && key is not null && File.Exists(certificate) && File.Exists(key) && PemProblem(certificateName, keyName, certificate, key) is { } problem)
            {
                yield return problem;
            }
        }

        foreach (var (name, path) in new[]
        {
            ("tls_cert", TlsCertificate), ("tls_key", TlsKey), ("host_ca_cert", HostCaCertificate), ("host_ca_key", HostCaKey), ("firecracker", Firecracker), ("jailer", Jailer),
        })
        {
            if (path is not null && !File.Exists(path))
            {
                yield return $"{name}: {path} does not exist";
            }
        }

        if (!Directory.Exists(ImagesDirectory))
        {
            yield return $"images_dir: {ImagesDirectory} does not exist (make setup builds the guest images)";
        }

        if (MemoryStepMb > MaxMemoryMb)
        {
            yield return $"memory_step_mb ({MemoryStepMb}) is larger than max_memory_mb ({MaxMemoryMb})";
        }

        if (ControlPlaneOptions.DefaultMemoryMb % MemoryStepMb != 0 || ControlPlaneOptions.DefaultMemoryMb > MaxMemoryMb)
        {
            yield return $"memory_step_mb ({MemoryStepMb}) and max_memory_mb ({MaxMemoryMb}) must allow {ControlPlaneOptions.DefaultMemoryMb}, the memory_mb of a create that names none";
        }

        if (Listen.Count == 0 || Listen.Distinct().Count() != Listen.Count)
        {
            yield return "listen: give at least one address, each once";
        }
    }
}
