using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Wrenn.Host.Protocol;

namespace Wrenn.ControlPlane.Tests.Server;

/// <summary>The control plane in this test process on a free loopback port, over a <see cref="FakeHost"/> (SQLite in a temporary directory).</summary>
internal sealed class InProcessServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly DirectoryInfo _data;

    private InProcessServer(WebApplication app, DirectoryInfo data, Uri address, FakeHost host)
    {
        _app = app;
        _data = data;
        Address = address;
        Host = host;
    }

    public Uri Address { get; }

    public FakeHost Host { get; }

    public string AdminKey { get; private set; } = string.Empty;

    public static async Task<InProcessServer> StartAsync()
    {
        var data = Directory.CreateTempSubdirectory("wrenn-fake-");
        var address = new Uri($"http://127.0.0.1:{FreePorts.Next()}/");
        var host = new FakeHost();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(address.ToString());
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<ICapsuleHost>(host);
        builder.Services.AddSingleton(new BaseImages([new BaseImage("minimal", "fake-hash", DateTimeOffset.UnixEpoch, 0)]));
        builder.AddWrennControlPlane(new ControlPlaneOptions { DataDirectory = data.FullName });
        var app = builder.Build();
        app.UseWrennControlPlane();
        await app.StartAsync();
        var server = new InProcessServer(app, data, address, host)
        {
            AdminKey = (await File.ReadAllTextAsync(Path.Combine(data.FullName, "admin-api-key"))).Trim(),
        };
        return server;
    }

    /// <summary>One of the server's services, for a state the API cannot reach with an API key.</summary>
    public T Service<T>() where T : notnull => _app.Services.GetRequiredService<T>();

    public HttpClient Client()
    {
        var client = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Add("X-API-Key", AdminKey);
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _data.Delete(recursive: true);
    }
}
