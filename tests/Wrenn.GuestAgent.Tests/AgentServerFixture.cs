namespace Wrenn.GuestAgent.Tests;

/// <summary>One in-process agent shared by a test class.</summary>
public sealed class AgentServerFixture : IAsyncLifetime
{
    public AgentServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await AgentServer.StartAsync();

    public async Task DisposeAsync() => await Server.DisposeAsync();
}
