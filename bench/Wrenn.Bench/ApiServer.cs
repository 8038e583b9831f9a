using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Wrenn.Bench;

/// <summary>A `wrenn serve` process for the API benchmark, on a free loopback port.</summary>
internal sealed class ApiServer : IAsyncDisposable
{
    private readonly Process _process;

    private ApiServer(Process process, Uri address, string key)
    {
        _process = process;
        Address = address;
        Key = key;
    }

    public Uri Address { get; }

    public string Key { get; }

    public static async Task<ApiServer> StartAsync(string dataDirectory, string imagesDirectory, string templatesDirectory)
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
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
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
                    return new ApiServer(process, address, key);
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
    }
}
