using System.Security.Cryptography;

namespace Wrenn.SnapshotStore.Tests.Server;

/// <summary>
/// The files of an all-in-one Swift cluster under one directory: <c>etc/</c> (swift.conf, the four
/// servers' configurations, the rings) and <c>devices/d1</c>, its only disk. Everything listens on
/// loopback; one replica on one device; every server runs in a single process (<c>workers = 0</c>),
/// so the process started is the whole server.
/// </summary>
internal sealed class SwiftConfiguration
{
    /// <summary>The only device of every ring: a directory under <see cref="DevicesDirectory"/>.</summary>
    public const string Device = "d1";

    /// <summary>tempauth's account and user: the S3 access key is "account:user".</summary>
    public const string Account = "wrenn";

    public const string User = "test";

    public const string Region = "us-east-1";

    public SwiftConfiguration(string directory)
    {
        Directory = directory;
        var ports = FreePorts.Take(5);
        (AccountPort, ContainerPort, ObjectPort, ProxyPort, MemcachedPort) = (ports[0], ports[1], ports[2], ports[3], ports[4]);
        Secret = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
    }

    public string Directory { get; }

    public string ConfigDirectory => Path.Combine(Directory, "etc");

    public string DevicesDirectory => Path.Combine(Directory, "devices");

    public int AccountPort { get; }

    public int ContainerPort { get; }

    public int ObjectPort { get; }

    public int ProxyPort { get; }

    public int MemcachedPort { get; }

    /// <summary>The tempauth password of <see cref="Account"/>:<see cref="User"/>, which is the S3 secret key.</summary>
    public string Secret { get; }

    /// <summary>The configuration file of a server: "account", "container", "object" or "proxy".</summary>
    public string ServerFile(string server) => Path.Combine(ConfigDirectory, server + "-server.conf");

    /// <summary>Writes swift.conf, the servers' configurations and the device directory (not the rings).</summary>
    public async Task WriteAsync(CancellationToken cancellationToken)
    {
        System.IO.Directory.CreateDirectory(ConfigDirectory);
        System.IO.Directory.CreateDirectory(Path.Combine(DevicesDirectory, Device));
        await File.WriteAllTextAsync(Path.Combine(ConfigDirectory, "swift.conf"), SwiftConf(), cancellationToken).ConfigureAwait(false);
        await File.WriteAllTextAsync(ServerFile("account"), StorageServer("account", AccountPort), cancellationToken).ConfigureAwait(false);
        await File.WriteAllTextAsync(ServerFile("container"), StorageServer("container", ContainerPort), cancellationToken).ConfigureAwait(false);
        await File.WriteAllTextAsync(ServerFile("object"), StorageServer("object", ObjectPort), cancellationToken).ConfigureAwait(false);
        await File.WriteAllTextAsync(ServerFile("proxy"), ProxyServer(), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The hash path prefix and suffix salt where objects land; a cluster of its own gets its own.</summary>
    private static string SwiftConf() => $"""
        [swift-hash]
        swift_hash_path_prefix = {Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8))}
        swift_hash_path_suffix = {Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8))}

        [storage-policy:0]
        name = Policy-0
        default = yes

        """;

    /// <summary>
    /// What every server shares. Swift always logs to syslog: with no /dev/log (a container) it falls
    /// back to UDP on localhost:514, where a real syslog may listen, so it is pointed at the discard
    /// port instead; the servers' own log is their console (<c>--verbose</c>), kept in a file.
    /// </summary>
    private string Common(int port) => $"""
        [DEFAULT]
        bind_ip = 127.0.0.1
        bind_port = {port}
        workers = 0
        user = {Environment.UserName}
        swift_dir = {ConfigDirectory}
        log_udp_host = 127.0.0.1
        log_udp_port = 9

        """;

    /// <summary>An account, container or object server on the one device; mount_check off: the device is a plain directory.</summary>
    private string StorageServer(string kind, int port) => Common(port) + $"""
        devices = {DevicesDirectory}
        mount_check = false

        [pipeline:main]
        pipeline = {kind}-server

        [app:{kind}-server]
        use = egg:swift#{kind}

        """;

    /// <summary>
    /// The proxy with the S3 API: s3api right before tempauth (its S3 signature check is tempauth's,
    /// against the user's password), and the middleware S3 calls lean on: copy (CopyObject), slo
    /// (multipart uploads), dlo and versioned_writes (which the proxy would insert anyway). tempauth
    /// keeps tokens in memcache and refuses every request without one. The account is created on first use.
    /// </summary>
    private string ProxyServer() => Common(ProxyPort) + $"""

        [pipeline:main]
        pipeline = catch_errors gatekeeper healthcheck proxy-logging cache listing_formats s3api tempauth copy slo dlo versioned_writes proxy-logging proxy-server

        [app:proxy-server]
        use = egg:swift#proxy
        account_autocreate = true
        allow_account_management = true

        [filter:s3api]
        use = egg:swift#s3api
        location = {Region}

        [filter:tempauth]
        use = egg:swift#tempauth
        user_{Account}_{User} = {Secret} .admin

        [filter:cache]
        use = egg:swift#memcache
        memcache_servers = 127.0.0.1:{MemcachedPort}

        [filter:catch_errors]
        use = egg:swift#catch_errors

        [filter:gatekeeper]
        use = egg:swift#gatekeeper

        [filter:healthcheck]
        use = egg:swift#healthcheck

        [filter:proxy-logging]
        use = egg:swift#proxy_logging

        [filter:listing_formats]
        use = egg:swift#listing_formats

        [filter:copy]
        use = egg:swift#copy

        [filter:slo]
        use = egg:swift#slo

        [filter:dlo]
        use = egg:swift#dlo

        [filter:versioned_writes]
        use = egg:swift#versioned_writes

        """;
}
