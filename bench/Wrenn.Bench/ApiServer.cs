using System.Diagnostics;

namespace Wrenn.Bench;

/// <summary>A `wrenn serve` process for the API benchmarks, on a free loopback port.</summary>
internal sealed class ApiServer : IAsyncDisposable
{
    private readonly ProcessStartInfo _start;
    private readonly TextWriter? _log;
    private Process _process = null!;

    private ApiServer(ProcessStartInfo start, TextWriter? log, Uri address, string dataDirectory)
    {
        _start = start;
        _log = log;
        Address = address;
        DataDirectory = dataDirectory;
    }

    /// <summary>The `wrenn` executable built beside the benchmark.</summary>
    public static string Executable { get; } = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../Wrenn.Server/release/wrenn-server"));

    public Uri Address { get; }

    public string DataDirectory { get; }

    public string Key { get; private set; } = string.Empty;

    /// <param name="dataDirectory">The server's data directory (created).</param>
    /// <param name="imagesDirectory">Guest images.</param>
    /// <param name="templatesDirectory">Template snapshots, shared with the other benchmarks.</param>
    /// <param name="logPath">Appends the server's output here when given (else it is discarded).</param>
    /// <param name="settings">More <c>wrenn serve</c> flags.</param>
    public static async Task<ApiServer> StartAsync(string dataDirectory, string imagesDirectory, string templatesDirectory, string? logPath = null, params string[] settings)
    {
        var port = Wrenn.ControlPlane.Tests.Server.FreePorts.Next();

        var start = new ProcessStartInfo(Executable)
        {
            ArgumentList =
            {
                "serve", "--listen", $"127.0.0.1:{port}", "--data-dir", dataDirectory, "--images-dir", imagesDirectory, "--templates-dir", templatesDirectory,
                // Each benchmark measures its own capsules; no template build runs beside them.
                "--prebuild-templates", "off",
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var setting in settings)
        {
            start.ArgumentList.Add(setting);
        }

        var log = logPath is null ? null : TextWriter.Synchronized(new StreamWriter(logPath, append: true) { AutoFlush = true });
        var server = new ApiServer(start, log, new Uri($"http://127.0.0.1:{port}/"), dataDirectory);
        await server.LaunchAsync();
        server.Key = (await File.ReadAllTextAsync(Path.Combine(dataDirectory, "admin-api-key"))).Trim();
        return server;
    }

    /// <summary>Kills the server as a crash would (SIGKILL); its VMs keep running.</summary>
    public async Task KillAsync()
    {
        _process.Kill();
        await _process.WaitForExitAsync();
        _process.Dispose();
    }

    /// <summary>Starts the killed server again; returns the seconds until it was healthy.</summary>
    public async Task<double> RestartAsync()
    {
        var watch = Stopwatch.StartNew();
        await LaunchAsync();
        return watch.Elapsed.TotalSeconds;
    }

    public HttpClient Client() => new(new SocketsHttpHandler { MaxConnectionsPerServer = 64 })
    {
        BaseAddress = Address,
        Timeout = TimeSpan.FromMinutes(3),
        DefaultRequestHeaders = { { "X-API-Key", Key } },
    };

    public async ValueTask DisposeAsync()
    {
        using (var term = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await term.WaitForExitAsync();
        }

        await _process.WaitForExitAsync();
        _process.Dispose();
        _log?.Dispose();
    }

    private async Task LaunchAsync()
    {
        _process = Process.Start(_start) ?? throw new InvalidOperationException("wrenn did not start");
        _process.OutputDataReceived += (_, line) => _log?.WriteLine(line.Data);
        _process.ErrorDataReceived += (_, line) => _log?.WriteLine(line.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        using var client = new HttpClient { BaseAddress = Address };
        for (var attempt = 0; attempt < 1200; attempt++)
        {
            try
            {
                if ((await client.GetAsync("/health")).IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(50);
        }

        _process.Kill();
        throw new TimeoutException("wrenn serve did not become healthy");
    }
}
