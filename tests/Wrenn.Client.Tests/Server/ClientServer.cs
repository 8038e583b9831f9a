using Wrenn.ControlPlane.Tests.Server;

namespace Wrenn.Client.Tests.Server;

/// <summary>One real server shared by the SDK's tests, with an SDK client holding its admin key.</summary>
public sealed class ClientServer : IAsyncLifetime
{
    public WrennServer Server { get; private set; } = null!;

    /// <summary>The SDK with the server's first API key.</summary>
    public WrennClient Wrenn { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Server = await WrennServer.StartAsync();
        Wrenn = Connect(Server.AdminKey);
        // The server's first user becomes a platform admin: it is the operator's, so that no test's user is one by coming first.
        await Server.AddUserAsync(admin: true);
    }

    /// <summary>An SDK client of the server with <paramref name="apiKey"/> or a session <paramref name="accessToken"/>.</summary>
    public WrennClient Connect(string? apiKey = null, string? accessToken = null)
        => new(new WrennClientOptions { BaseUrl = Server.BaseAddress, ApiKey = apiKey, AccessToken = accessToken });

    /// <summary>
    /// An SDK client with the session of a new user (a platform admin with <paramref name="admin"/>), added as the
    /// operator adds one and logged in through the SDK. Dispose the client.
    /// </summary>
    public async Task<(WrennClient Wrenn, Session Session)> NewSessionAsync(bool admin = false)
    {
        var (email, password) = await Server.AddUserAsync(admin);
        using var anonymous = Connect();
        var session = await anonymous.Auth.LoginAsync(email, password);
        return (anonymous.WithSession(session), session);
    }

    /// <summary>Creates a capsule and waits until it runs.</summary>
    public async Task<Capsule> CreateRunningAsync(CreateCapsuleOptions? options = null)
    {
        var capsule = await Wrenn.Capsules.CreateAsync(options);
        return capsule.Status == CapsuleStatus.Running ? capsule : await Wrenn.Capsules.WaitForStatusAsync(capsule.Id, CapsuleStatus.Running);
    }

    public async Task DisposeAsync()
    {
        Wrenn.Dispose();
        await Server.DisposeAsync();
    }
}

[CollectionDefinition("server")]
public sealed class SharedServer : ICollectionFixture<ClientServer>;
