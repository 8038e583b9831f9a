using System.Net;

namespace Wrenn.Server.Serve.Settings;

/// <summary>
/// Every setting of <c>wrenn serve</c>, in the order they are resolved and documented
/// (docs/operations.md lists the same; a test keeps the two in step).
/// </summary>
internal static class ServeCatalog
{
    private const string Server = "Server";
    private const string Access = "Access";
    private const string Sizes = "Capsule sizes";
    private const string Quotas = "Quotas and rate limits";
    private const string Storage = "Storage";
    private const string Vmm = "VMM";
    private const string Network = "Capsule network";
    private const string Hosts = "Hosts";

    public static readonly ListSetting<IPEndPoint> Listen = new(
        "listen", Server, "Address and port to serve the API on (repeat for several)", ValueParsers.ListenAddress, "127.0.0.1:8080",
        [new IPEndPoint(IPAddress.Loopback, 8080)]);

    public static readonly Setting<string> DataDirectory = new(
        "data_dir", Server, "Where capsules and the server's state live", ValueParsers.Path, _ => "/var/lib/wrenn", "/var/lib/wrenn");

    public static readonly Setting<string?> Database = new(
        "database", Server, "PostgreSQL database of the server's state (postgres://user:password@host:port/database); several servers may share it",
        ValueParsers.PostgresUrl, _ => null, "SQLite: <data_dir>/wrenn.db");

    public static readonly Setting<string> ImagesDirectory = new(
        "images_dir", Server, "Guest images built by images/build.sh", ValueParsers.Path, _ => "/var/lib/wrenn/images", "/var/lib/wrenn/images");

    public static readonly Setting<string> TemplatesDirectory = new(
        "templates_dir", Server, "Where template snapshots live; servers of one host may share it, one at a time", ValueParsers.Path,
        resolved => System.IO.Path.Combine(resolved.Get(DataDirectory), "templates"), "<data_dir>/templates");

    public static readonly Setting<string?> TlsCertificate = new(
        "tls_cert", Server, "PEM certificate (chain) for HTTPS on every listen address; needs tls_key", ValueParsers.Path, _ => null, "none: plain HTTP");

    public static readonly Setting<string?> TlsKey = new(
        "tls_key", Server, "PEM private key of tls_cert", ValueParsers.Path, _ => null, "none");

    public static readonly Setting<bool> TlsLocalCa = new(
        "tls_local_ca", Server, "HTTPS for development: a CA made under <data_dir>/tls signs a certificate for proxy_domain and *.proxy_domain (docs/e2b.md); needs proxy_domain, not tls_cert",
        ValueParsers.Bool, _ => false, "off");

    public static readonly Setting<string?> DashboardDirectory = new(
        "dashboard_dir", Server, "The built web dashboard to serve at / (`make setup` builds it); `none` serves the API only", ValueParsers.PathOrNone,
        _ => System.IO.Path.Combine(AppContext.BaseDirectory, "dashboard"), "the dashboard installed beside the server");

    public static readonly Setting<string> LogFormat = new(
        "log_format", Server, "Log lines as text or JSON (one object per line)", ValueParsers.OneOf("text", "json"), _ => "text", "text");

    public static readonly Setting<string> LogLevel = new(
        "log_level", Server, "Least severe log level written", ValueParsers.OneOf("trace", "debug", "information", "warning", "error"),
        _ => "information", "information");

    public static readonly Setting<bool> Signup = new(
        "signup", Access, "Whether anyone may sign up (the very first user always may; otherwise use `wrenn user add`)", ValueParsers.Bool,
        resolved => resolved.Get(Listen).All(endpoint => IPAddress.IsLoopback(endpoint.Address)), "on when every listen address is loopback, else off");

    public static readonly Setting<string?> ProxyDomain = new(
        "proxy_domain", Access, "Public domain of the port proxy ({port}-{capsule}.<domain>)", ValueParsers.DomainName, _ => null, "any suffix matches");

    public static readonly Setting<string?> E2bPath = new(
        "e2b_path", Access, "Path E2B's REST API is served under (docs/e2b.md), or none", ValueParsers.UrlPathOrNone, _ => "/e2b", "/e2b");

    public static readonly Setting<bool> ProxyRequiresKey = new(
        "proxy_requires_key", Access, "Whether proxied requests need an X-API-Key of the capsule's team", ValueParsers.Bool, _ => false, "false");

    public static readonly Setting<string?> MetricsToken = new(
        "metrics_token", Access, "Bearer token GET /metrics requires (at least 16 characters)", ValueParsers.Secret(16), _ => null, "none: /metrics is open");

    public static readonly Setting<int> MaxVcpus = new(
        "max_vcpus", Sizes, "Largest vcpus a capsule may ask for", ValueParsers.Int(1, 64), _ => 8, "8");

    public static readonly Setting<int> MaxMemoryMb = new(
        "max_memory_mb", Sizes, "Largest memory_mb a capsule may ask for", ValueParsers.Int(128, 1024 * 1024), _ => 16384, "16384");

    public static readonly Setting<int> MemoryStepMb = new(
        "memory_step_mb", Sizes, "memory_mb must be a multiple of this (each size is a template snapshot)", ValueParsers.Int(1, 1024 * 1024), _ => 128, "128");

    public static readonly Setting<int> TeamMaxCapsules = new(
        "team_max_capsules", Quotas, "Capsules a team may have pending, starting or running (0: unlimited)", ValueParsers.Int(0, 1_000_000), _ => 0, "0");

    public static readonly Setting<int> TeamMaxVcpus = new(
        "team_max_vcpus", Quotas, "Total vcpus of a team's pending, starting and running capsules (0: unlimited)", ValueParsers.Int(0, 1_000_000), _ => 0, "0");

    public static readonly Setting<int> TeamMaxMemoryMb = new(
        "team_max_memory_mb", Quotas, "Total memory_mb of a team's pending, starting and running capsules (0: unlimited)", ValueParsers.Int(0, int.MaxValue),
        _ => 0, "0");

    public static readonly Setting<long> TeamMaxSnapshotBytes = new(
        "team_max_snapshot_bytes", Quotas, "Disk a team's paused capsules and templates may use, e.g. 50G (0: unlimited)", ValueParsers.Bytes, _ => 0, "0");

    public static readonly Setting<double> RateLimit = new(
        "rate_limit", Quotas, "Requests per second per credential, token bucket (0: off)", ValueParsers.Number(0, 1_000_000), _ => 0, "0");

    public static readonly Setting<int> RateBurst = new(
        "rate_burst", Quotas, "Requests a credential may send at once before rate_limit applies", ValueParsers.Int(1, 1_000_000),
        resolved => Math.Max(1, (int)Math.Ceiling(resolved.Get(RateLimit) * 2)), "twice rate_limit");

    public static readonly Setting<long> TemplateCacheBytes = new(
        "template_cache_bytes", Storage, "Disk budget of built-in template snapshots; unused ones are evicted least recently used first", ValueParsers.Bytes,
        _ => 20L << 30, "20G");

    public static readonly Setting<bool> PrebuildTemplates = new(
        "prebuild_templates", Storage, "Whether the host builds each platform template's snapshot (default size) in the background when it starts, so that no first capsule waits for it",
        ValueParsers.Bool, _ => true, "on");

    public static readonly Setting<int> SnapshotUploadDelay = new(
        "snapshot_upload_delay", Storage,
        "Seconds a capsule stays paused before its pause is sent to the snapshot store (one resumed sooner never pays for the upload)",
        ValueParsers.Int(0, 86400), _ => (int)Wrenn.HostAgent.Capsules.RuntimeOptions.DefaultUploadDelay.TotalSeconds, "10");

    public static readonly Setting<string> SnapshotStore = new(
        "snapshot_store", Storage,
        "Where paused capsules and team templates go to be resumable on any host: a directory (shared between hosts: a mount) or s3://bucket[/prefix]",
        ValueParsers.SnapshotStore, settings => DefaultSnapshotStore(settings.Get(DataDirectory)), "<data_dir>/snapshot-store");

    /// <summary>The store when none is named: a directory of this machine, which only its in-process host uses.</summary>
    public static string DefaultSnapshotStore(string dataDirectory) => System.IO.Path.Combine(dataDirectory, "snapshot-store");

    public static readonly Setting<Uri?> SnapshotStoreEndpoint = new(
        "snapshot_store_endpoint", Storage, "S3 store: the service's URL (e.g. a MinIO, Ceph or Swift S3 endpoint)", raw => ValueParsers.HttpUrl(raw), _ => null,
        "AWS S3");

    public static readonly Setting<string?> SnapshotStoreRegion = new(
        "snapshot_store_region", Storage, "S3 store: its region", raw => raw.Trim(), _ => null, "us-east-1");

    public static readonly Setting<string?> SnapshotStoreAccessKey = new(
        "snapshot_store_access_key", Storage, "S3 store: access key id", raw => raw.Trim(), _ => null, "the AWS SDK's own (environment, instance role)");

    public static readonly Setting<string?> SnapshotStoreSecretKey = new(
        "snapshot_store_secret_key", Storage, "S3 store: secret access key (sent to hosts over their mutual-TLS link only)", raw => raw.Trim(), _ => null, "none");

    public static readonly Setting<string?> Firecracker = new(
        "firecracker", Vmm, "Firecracker binary: capsules run as Firecracker microVMs when /dev/kvm is usable (else QEMU)", ValueParsers.Path, _ => null, "QEMU");

    public static readonly Setting<string?> Jailer = new(
        "jailer", Vmm, "Firecracker's jailer: each VMM runs chrooted, unprivileged, in its own cgroup", ValueParsers.Path, _ => null, "none");

    public static readonly Setting<bool> VmmUnprivileged = new(
        "vmm_unprivileged", Vmm, "Each QEMU drops to an unprivileged uid and gid of its own (from 1900000000) once it has opened its files; off: QEMU stays root",
        ValueParsers.Bool, _ => true, "on");

    public static readonly Setting<bool> CapsuleNetwork = new(
        "capsule_network", Network, "Whether capsules get a network card, with internet access as the egress policy allows (off: no network at all)",
        ValueParsers.Bool, _ => true, "on");

    public static readonly ListSetting<IPAddress> CapsuleDns = new(
        "capsule_dns", Network, "DNS servers capsules use (port 53 to them is always allowed)", ValueParsers.Ipv4Address,
        "the host's non-loopback resolvers");

    public static readonly ListSetting<IPNetwork> EgressAllow = new(
        "egress_allow", Network, "IPv4 ranges capsules may reach although private (RFC 1918, CGNAT, link-local, …), e.g. a package mirror",
        ValueParsers.Ipv4Range, "none");

    public static readonly ListSetting<IPNetwork> EgressDeny = new(
        "egress_deny", Network, "IPv4 ranges capsules never reach, even if public or in egress_allow", ValueParsers.Ipv4Range, "none");

    public static readonly Setting<int> HostHeartbeatTimeout = new(
        "host_heartbeat_timeout", Hosts, "Seconds without a heartbeat after which a host is unreachable and its capsules missing",
        ValueParsers.Int(3, 3600), _ => 30, "30");

    public static readonly Setting<int> HostCheckInterval = new(
        "host_check_interval", Hosts, "Seconds between checks for hosts that stopped heartbeating", ValueParsers.Int(1, 600), _ => 5, "5");

    public static readonly Setting<bool> InProcessHost = new(
        "in_process_host", Hosts, "Whether this server runs capsules on its own machine too (off: only on `wrenn agent` hosts; needed when several servers share a database)",
        ValueParsers.Bool, _ => true, "on");

    public static readonly Setting<string?> HostCaCertificate = new(
        "host_ca_cert", Hosts, "PEM CA certificate that signs host agents' certificates and the control plane's client certificate; needs host_ca_key",
        ValueParsers.Path, _ => null, "a CA made on first use, kept in the database");

    public static readonly Setting<string?> HostCaKey = new(
        "host_ca_key", Hosts, "PEM private key of host_ca_cert", ValueParsers.Path, _ => null, "none");

    public static IReadOnlyList<Setting> All { get; } =
    [
        Listen, DataDirectory, Database, ImagesDirectory, TemplatesDirectory, TlsCertificate, TlsKey, TlsLocalCa, DashboardDirectory, LogFormat, LogLevel,
        Signup, ProxyDomain, E2bPath, ProxyRequiresKey, MetricsToken,
        MaxVcpus, MaxMemoryMb, MemoryStepMb,
        TeamMaxCapsules, TeamMaxVcpus, TeamMaxMemoryMb, TeamMaxSnapshotBytes, RateLimit, RateBurst,
        TemplateCacheBytes, PrebuildTemplates, SnapshotUploadDelay, SnapshotStore, SnapshotStoreEndpoint, SnapshotStoreRegion, SnapshotStoreAccessKey, SnapshotStoreSecretKey,
        Firecracker, Jailer, VmmUnprivileged,
        CapsuleNetwork, CapsuleDns, EgressAllow, EgressDeny,
        HostHeartbeatTimeout, HostCheckInterval, InProcessHost, HostCaCertificate, HostCaKey,
    ];
}
