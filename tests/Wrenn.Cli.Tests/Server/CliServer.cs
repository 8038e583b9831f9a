using Wrenn.ControlPlane.Tests.Server;

namespace Wrenn.Cli.Tests.Server;

/// <summary>One real server for the command line's tests, and a <c>wrenn</c> pointed at it.</summary>
public sealed class CliServer : IAsyncLifetime
{
    public WrennServer Server { get; private set; } = null!;

    /// <summary><c>wrenn</c> with the server's address and first API key in its environment.</summary>
    public WrennCli Cli { get; } = new();

    public async Task InitializeAsync()
    {
        Server = await WrennServer.StartAsync();
        Cli.Environment["WRENN_BASE_URL"] = Server.BaseAddress.ToString();
        Cli.Environment["WRENN_API_KEY"] = Server.AdminKey;
    }

    /// <summary>Creates a running capsule through the command line and returns its id.</summary>
    public async Task<string> CreateCapsuleAsync()
    {
        var created = await Cli.RunAsync("capsule", "create", "--json");
        Assert.True(created.ExitCode == 0, created.Stderr);
        var capsule = created.Json();
        Assert.Equal("running", capsule.GetProperty("status").GetString());
        return capsule.GetProperty("id").GetString()!;
    }

    public async Task DisposeAsync()
    {
        Cli.Dispose();
        await Server.DisposeAsync();
    }
}

[CollectionDefinition("server")]
public sealed class SharedServer : ICollectionFixture<CliServer>;
