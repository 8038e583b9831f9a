using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Wrenn.Bench;

/// <summary>A `wrenn serve` process for the API benchmark, on a free loopback port.</summary>
internal sealed class ApiServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly TextWriter? _log;

    private ApiServer(Process process, TextWriter? log, Uri address, string key)
    {
        _process = process;
        _log = log;
        Address = address;
        Key = key;
    }

    public Uri Address { get; }

    public string Key { get; }

    /// <param name="dataDirectory">The server's data directory (created).</param>
    /// <param name="imagesDirectory">Guest images.</param>
    /// <param name="templatesDirectory">Template snapshots, shared with the other benchmarks.</param>
    /// <param name="logPath">Appends the server's output here when given (else it is discarded).</param>
    public static async Task<ApiServer> StartAsync(string dataDirectory, string imagesDirectory, string templatesDirectory, string? logPath = null)
    {
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        var executable = Path.Combine(AppContext.BaseDirectory, "../../Wrenn.Cli/release/wrenn");
        var start = new ProcessStartInfo(Path.GetFullPath(executable))
        {
            ArgumentList =
            {
                "serve", "--listen", $"127.0.0.1:{port}", "--data-dir", dataDirectory, "--images-dir", imagesDirectory, "--templates-dir", templatesDirectory,
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        var process = Process.Start(start) ?? throw new InvalidOperationException("wrenn did not start");
        var log = logPath is null ? null : TextWriter.Synchronized(new StreamWriter(logPath, append: true) { AutoFlush = true });
        process.OutputDataReceived += (_, line) => log?.WriteLine(line.Data);
        process.ErrorDataReceived += (_, line) => log?.WriteLine(line.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var address = new Uri($"http://127.0.0.1:{port}/");
        using var client = new HttpClient { BaseAddress = address };
        for (var attempt = 0; attempt < 300; attempt++)
        {
            try
            {
                if ((await client.GetAsync("/health")).IsSuccessStatusCode)
                {
                    var key = (await File.ReadAllTextAsync(Path.Combine(dataDirectory, "admin-api-key"))).Trim();
                    return new ApiServer(process, log, address, key);
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(100);
        }

        process.Kill();
        throw new TimeoutException("wrenn serve did not become healthy");
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
}
