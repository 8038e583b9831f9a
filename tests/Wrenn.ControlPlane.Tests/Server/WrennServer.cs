using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;

namespace Wrenn.ControlPlane.Tests.Server;

/// <summary>
/// A real <c>wrenn serve</c> process on a free loopback port with its own data directory and the
/// test run's shared template snapshots. Its database is SQLite in the data directory, or with
/// <c>WRENN_TEST_DATABASE=postgres</c> a new database of the test process's PostgreSQL cluster.
/// Disposing deletes its capsules, then stops it.
/// </summary>
public sealed class WrennServer : IAsyncDisposable
{
    private Process? _process;

    private readonly IReadOnlyList<string> _settings;

    private WrennServer(string dataDirectory, string? databaseUrl, int port, IReadOnlyList<string> settings)
    {
        _settings = settings;
        DataDirectory = dataDirectory;
        DatabaseUrl = databaseUrl;
        Port = port;
        BaseAddress = new Uri($"{(Tls ? "https" : "http")}://127.0.0.1:{port}/");
    }

    public string DataDirectory { get; }

    /// <summary>The server's PostgreSQL database; null: SQLite in its data directory.</summary>
    public string? DatabaseUrl { get; }

    /// <summary>The flags that name the server's database (none for SQLite).</summary>
    private IEnumerable<string> DatabaseFlags => DatabaseUrl is null ? [] : ["--database", DatabaseUrl];

    public int Port { get; }

    public Uri BaseAddress { get; }

    /// <summary>The first-start API key of the default team.</summary>
    public string AdminKey { get; private set; } = string.Empty;

    public string Output => _output.ToString();

    private readonly System.Text.StringBuilder _output = new();

    public static string ImagesDirectory => Environment.GetEnvironmentVariable("WRENN_IMAGES_DIR") ?? "/var/lib/wrenn/images";

    /// <summary>Template snapshots shared by the servers of this test run (one at a time): a template is built once per run.</summary>
    public static string TemplatesDirectory { get; } = SharedTemplates();

    /// <param name="settings">More <c>wrenn serve</c> flags, e.g. a quota.</param>
    public static async Task<WrennServer> StartAsync(params string[] settings)
    {
        var database = PostgresCluster.Requested ? await (await PostgresCluster.SharedAsync()).CreateDatabaseAsync() : null;
        var server = new WrennServer(Directory.CreateTempSubdirectory("wrenn-").FullName, database, FreePorts.Next(), settings);
        await server.LaunchAsync();
        server.AdminKey = (await File.ReadAllTextAsync(Path.Combine(server.DataDirectory, "admin-api-key"))).Trim();
        return server;
    }

    /// <summary>
    /// A server on the PostgreSQL database <paramref name="databaseUrl"/>, which other servers may share;
    /// its admin key is the one of the server that started on the database first (<paramref name="adminKey"/>, or its own).
    /// </summary>
    public static async Task<WrennServer> StartOnAsync(string databaseUrl, string? adminKey, params string[] settings)
    {
        var server = new WrennServer(Directory.CreateTempSubdirectory("wrenn-").FullName, databaseUrl, FreePorts.Next(), settings);
        await server.LaunchAsync();
        server.AdminKey = adminKey ?? (await File.ReadAllTextAsync(Path.Combine(server.DataDirectory, "admin-api-key"))).Trim();
        return server;
    }

    /// <summary>A client sending <paramref name="key"/> (the admin key by default).</summary>
    public HttpClient Client(string? key = null)
    {
        var client = Anonymous();
        client.DefaultRequestHeaders.Add("X-API-Key", key ?? AdminKey);
        return client;
    }

    /// <summary>A client without credentials.</summary>
    public HttpClient Anonymous() => new(Tls ? new SocketsHttpHandler { SslOptions = { RemoteCertificateValidationCallback = (_, certificate, _, _) => IssuedByOwnCa(certificate) } }
        : new SocketsHttpHandler())
    {
        BaseAddress = BaseAddress,
        Timeout = TimeSpan.FromSeconds(120),
    };

    /// <summary>The server serves HTTPS with its development CA (<c>--tls-local-ca on</c>).</summary>
    public bool Tls => _settings.Contains("--tls-local-ca");

    /// <summary>The development CA's certificate, which TLS clients of this server trust.</summary>
    public string CaCertificate => Path.Combine(DataDirectory, "tls", "ca.pem");

    private bool IssuedByOwnCa(X509Certificate? certificate)
    {
        if (certificate is null)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.CustomTrustStore.Add(X509Certificate2.CreateFromPem(File.ReadAllText(CaCertificate)));
        using var leaf = new X509Certificate2(certificate);
        return chain.Build(leaf);
    }

    /// <summary>Stops the server: gracefully (SIGTERM) or as a crash (SIGKILL). Its VMs keep running.</summary>
    public async Task StopAsync(bool kill)
    {
        if (_process is null)
        {
            return;
        }

        if (kill)
        {
            _process.Kill();
        }
        else
        {
            using var term = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            await term.WaitForExitAsync();
        }

        await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        _process.Dispose();
        _process = null;
    }

    public Task RestartAsync() => LaunchAsync();

    /// <summary>The pids of the VMM processes whose command line names this server's data directory.</summary>
    public IReadOnlyList<int> VmProcesses() => VmProcessesUnder(DataDirectory);

    /// <summary>The pids of the VMM processes whose command line names a path below <paramref name="directory"/>.</summary>
    public static IReadOnlyList<int> VmProcessesUnder(string directory)
    {
        var pids = new List<int>();
        foreach (var process in Directory.EnumerateDirectories("/proc"))
        {
            try
            {
                if (int.TryParse(Path.GetFileName(process), out var pid)
                    && File.ReadAllText(Path.Combine(process, "cmdline")).Replace('\0', ' ') is var commandLine
                    && commandLine.StartsWith("qemu-system", StringComparison.Ordinal) && commandLine.Contains(directory + "/", StringComparison.Ordinal))
                {
                    pids.Add(pid);
                }
            }
            catch (IOException)
            {
                // The process ended while being looked at.
            }
        }

        return pids;
    }

    /// <summary>The pid the VMM of <paramref name="capsuleId"/> wrote into the capsule's directory.</summary>
    public int VmmPid(string capsuleId) =>
        int.Parse(File.ReadAllText(Path.Combine(DataDirectory, "capsules", capsuleId, "vmm.pid")), System.Globalization.CultureInfo.InvariantCulture);

    public async ValueTask DisposeAsync()
    {
        if (_process is not null)
        {
            try
            {
                using var client = Client();
                var capsules = await client.GetFromJsonAsync<JsonElement>("/v1/capsules?status=all");
                foreach (var capsule in capsules.EnumerateArray())
                {
                    await client.DeleteAsync($"/v1/capsules/{capsule.GetProperty("id").GetString()}");
                }
            }
            finally
            {
                await StopAsync(kill: false);
            }
        }

        // Kept for diagnosis: the server's log of this test run.
        await File.WriteAllTextAsync(Path.Combine(Path.GetTempPath(), $"wrenn-test-server-{Port}.log"), Output);
        Directory.Delete(DataDirectory, recursive: true);
    }

    private async Task LaunchAsync()
    {
        var start = new ProcessStartInfo(WrennExecutable())
        {
            ArgumentList = { "serve", "--listen", $"127.0.0.1:{Port}", "--data-dir", DataDirectory, "--images-dir", ImagesDirectory },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        // The run's shared template snapshots, and no prebuild (tests make the templates they need
        // when they need them; a build at every start would compete with their VMs for the two
        // cores), unless the test's own settings say otherwise.
        var defaults = new[] { ("--templates-dir", TemplatesDirectory), ("--prebuild-templates", "off") }
            .Where(flag => !_settings.Contains(flag.Item1))
            .SelectMany(flag => new[] { flag.Item1, flag.Item2 });
        foreach (var setting in defaults.Concat(DatabaseFlags).Concat(_settings))
        {
            start.ArgumentList.Add(setting);
        }

        _process = Process.Start(start) ?? throw new InvalidOperationException("wrenn did not start");
        _process.OutputDataReceived += (_, line) => Append(line.Data);
        _process.ErrorDataReceived += (_, line) => Append(line.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        using var client = Anonymous();
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < TimeSpan.FromSeconds(60))
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException("wrenn serve exited:\n" + Output);
            }

            try
            {
                if ((await client.GetAsync("/health")).StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(100);
        }

        throw new TimeoutException("wrenn serve did not become healthy:\n" + Output);
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.AppendLine(line);
            }
        }
    }

    /// <summary>A request for the port proxy: to guest port <paramref name="port"/> of <paramref name="capsule"/>, by its Host header.</summary>
    public HttpRequestMessage Proxied(int port, string capsule, string path, HttpMethod? method = null)
    {
        var request = new HttpRequestMessage(method ?? HttpMethod.Get, path);
        request.Headers.Host = $"{port}-{capsule}.localhost:{Port}";
        return request;
    }

    /// <summary>
    /// A client with the session of a new user added as the operator adds one (<c>wrenn user add</c>
    /// on the server's data directory), a platform admin with <paramref name="admin"/>.
    /// </summary>
    public async Task<HttpClient> NewUserSessionAsync(bool admin)
    {
        var (email, password) = await AddUserAsync(admin);
        var client = Anonymous();
        var session = await (await client.PostAsJsonAsync("/v1/auth/login", new { email, password })).Content.ReadFromJsonAsync<JsonElement>();
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", session.GetProperty("token").GetString());
        return client;
    }

    /// <summary>Adds a user as the operator does (<c>wrenn user add</c>), a platform admin with <paramref name="admin"/>; returns its login.</summary>
    public async Task<(string Email, string Password)> AddUserAsync(bool admin)
    {
        var email = $"user-{Guid.NewGuid():N}@example.com";
        const string password = "a long enough password";
        var add = new ProcessStartInfo(WrennExecutable()) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "user", "add", "--email", email, "--data-dir", DataDirectory }.Concat(DatabaseFlags).Concat(admin ? ["--admin"] : []))
        {
            add.ArgumentList.Add(argument);
        }

        using var process = Process.Start(add)!;
        await process.StandardInput.WriteLineAsync(password);
        process.StandardInput.Close();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, await process.StandardError.ReadToEndAsync());
        return (email, password);
    }

    /// <summary>The repository this test run was built from.</summary>
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    public static string WrennExecutable()
    {
        var configuration = AppContext.BaseDirectory.Contains("/debug", StringComparison.Ordinal) ? "debug" : "release";
        return Path.Combine(RepositoryRoot, "artifacts", "bin", "Wrenn.Server", configuration, "wrenn-server");
    }

    private static string FindRepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Wrenn.slnx")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("repository root not found");
    }

    private static string SharedTemplates()
    {
        var directory = Directory.CreateTempSubdirectory("wrenn-t-").FullName;
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Directory.Delete(directory, recursive: true);
        return directory;
    }
}
