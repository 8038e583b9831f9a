using System.Diagnostics;
using System.Net;

namespace Wrenn.SnapshotStore.Tests.Server;

/// <summary>
/// A real S3-compatible store for tests: an all-in-one OpenStack Swift cluster (Debian's swift
/// packages) with its S3 API, in a new directory under TMPDIR, on free loopback ports — account,
/// container and object servers, a proxy with s3api and tempauth, and the memcached tempauth needs.
/// Swift reads swift.conf only from /etc/swift, so each Swift server runs in a mount namespace of
/// its own with this cluster's etc/ mounted over /etc/swift (which needs root, as the VM tests do).
/// Disposing kills exactly the processes it started and removes the directory.
/// </summary>
public sealed class SwiftServer : IAsyncDisposable
{
    /// <summary>
    /// Spares each Swift process a quarter of its start-up (every address here is an IP literal, so
    /// eventlet's green DNS resolver has nothing to do), which counts with five Python processes on two cores.
    /// </summary>
    private const string NoGreenDns = "EVENTLET_NO_GREENDNS=yes";

    private readonly SwiftConfiguration _configuration;
    private readonly List<Daemon> _daemons = [];
    private Daemon? _proxy;

    private SwiftServer(SwiftConfiguration configuration)
    {
        _configuration = configuration;
        Endpoint = new Uri($"http://127.0.0.1:{configuration.ProxyPort}");
    }

    /// <summary>The proxy: S3 requests (path-style) and Swift's own API.</summary>
    public Uri Endpoint { get; }

    public string AccessKey { get; } = $"{SwiftConfiguration.Account}:{SwiftConfiguration.User}";

    public string SecretKey => _configuration.Secret;

    public string Region { get; } = SwiftConfiguration.Region;

    /// <summary>How long <see cref="StartAsync"/> took, from nothing to a proxy that answers.</summary>
    public TimeSpan StartupTime { get; private set; }

    public static async Task<SwiftServer> StartAsync(CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();
        var server = new SwiftServer(new SwiftConfiguration(Directory.CreateTempSubdirectory("wrenn-swift-").FullName));
        try
        {
            var configuration = server._configuration;
            await configuration.WriteAsync(cancellationToken).ConfigureAwait(false);
            // The storage servers need no rings: they start while the rings are built, the proxy after.
            (Daemon Daemon, int Port)[] started =
            [
                (server.Add(Daemon.Start("memcached", configuration.Directory, MemcachedCommand(configuration))), configuration.MemcachedPort),
                (server.Add(Daemon.Start("account", configuration.Directory, SwiftServerCommand(configuration, "account"))), configuration.AccountPort),
                (server.Add(Daemon.Start("container", configuration.Directory, SwiftServerCommand(configuration, "container"))), configuration.ContainerPort),
                (server.Add(Daemon.Start("object", configuration.Directory, SwiftServerCommand(configuration, "object"))), configuration.ObjectPort),
            ];
            await BuildRingsAsync(configuration, cancellationToken).ConfigureAwait(false);
            await Task.WhenAll([
                .. started.Select(daemon => daemon.Daemon.WaitUntilListeningAsync(daemon.Port, cancellationToken)),
                server.StartProxyAsync(cancellationToken),
            ]).ConfigureAwait(false);
            server.StartupTime = stopwatch.Elapsed;
            return server;
        }
        catch
        {
            await server.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>A new, empty bucket, made through Swift's own API (a container is a bucket), so that S3 clients under test make none.</summary>
    public async Task CreateBucketAsync(string name, CancellationToken cancellationToken)
    {
        using var client = new HttpClient { BaseAddress = Endpoint, Timeout = TimeSpan.FromSeconds(30) };
        using var login = new HttpRequestMessage(HttpMethod.Get, "/auth/v1.0");
        login.Headers.Add("X-Auth-User", AccessKey);
        login.Headers.Add("X-Auth-Key", SecretKey);
        using var session = await client.SendAsync(login, cancellationToken).ConfigureAwait(false);
        session.EnsureSuccessStatusCode();
        var storage = session.Headers.GetValues("X-Storage-Url").Single();
        using var create = new HttpRequestMessage(HttpMethod.Put, $"{storage}/{Uri.EscapeDataString(name)}");
        create.Headers.Add("X-Auth-Token", session.Headers.GetValues("X-Auth-Token").Single());
        using var created = await client.SendAsync(create, cancellationToken).ConfigureAwait(false);
        if (created.StatusCode is not (HttpStatusCode.Created or HttpStatusCode.Accepted))
        {
            throw new InvalidOperationException($"Creating bucket {name} answered {(int)created.StatusCode}.");
        }
    }

    /// <summary>Kills the proxy: the store becomes unreachable (connections are refused) with its data intact.</summary>
    public async Task StopProxyAsync()
    {
        if (_proxy is { } proxy)
        {
            _proxy = null;
            await proxy.StopAsync().ConfigureAwait(false);
            proxy.Dispose();
        }
    }

    /// <summary>Starts the proxy (again) on the same port and waits until it answers its health check.</summary>
    public async Task StartProxyAsync(CancellationToken cancellationToken)
    {
        if (_proxy is not null)
        {
            return;
        }

        _proxy = Daemon.Start("proxy", _configuration.Directory, SwiftServerCommand(_configuration, "proxy"));
        using var client = new HttpClient { BaseAddress = Endpoint, Timeout = TimeSpan.FromSeconds(5) };
        await _proxy.WaitUntilAsync(async token =>
        {
            try
            {
                using var answer = await client.GetAsync(new Uri("/healthcheck", UriKind.Relative), token).ConfigureAwait(false);
                return answer.IsSuccessStatusCode;
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await StopProxyAsync().ConfigureAwait(false);
        foreach (var daemon in _daemons)
        {
            await daemon.StopAsync().ConfigureAwait(false);
            daemon.Dispose();
        }

        _daemons.Clear();
        if (Directory.Exists(_configuration.Directory))
        {
            Directory.Delete(_configuration.Directory, recursive: true);
        }
    }

    private Daemon Add(Daemon daemon)
    {
        _daemons.Add(daemon);
        return daemon;
    }

    /// <summary>memcached on loopback TCP only; --user because it refuses to run as root without one.</summary>
    private static string[] MemcachedCommand(SwiftConfiguration configuration) =>
        ["memcached", "--listen=127.0.0.1", $"--port={configuration.MemcachedPort}", "--udp-port=0", "--memory-limit=16", $"--user={Environment.UserName}"];

    /// <summary>
    /// A Swift server in a mount namespace of its own with the cluster's etc/ over /etc/swift: the
    /// servers of this Swift (2.30) read swift.conf from there and nowhere else. The shell that mounts
    /// it then becomes the server, whose command line names its configuration file under the directory.
    /// </summary>
    private static string[] SwiftServerCommand(SwiftConfiguration configuration, string server) =>
    [
        "env", NoGreenDns, "unshare", "--mount", "--propagation", "private", "--",
        "sh", "-c", """mount --bind "$1" /etc/swift && exec "$2" "$3" --verbose""", "sh",
        configuration.ConfigDirectory, $"/usr/bin/swift-{server}-server", configuration.ServerFile(server),
    ];

    private static async Task BuildRingsAsync(SwiftConfiguration configuration, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("env") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[]
                 {
                     NoGreenDns, "/usr/bin/python3", Path.Combine(AppContext.BaseDirectory, "Server", "build-rings.py"), configuration.ConfigDirectory, SwiftConfiguration.Device,
                     $"{configuration.AccountPort}", $"{configuration.ContainerPort}", $"{configuration.ObjectPort}",
                 })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"Building the Swift rings failed ({process.ExitCode}):\n{await output.ConfigureAwait(false)}{await error.ConfigureAwait(false)}");
        }
    }
}
