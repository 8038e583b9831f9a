using Wrenn.HostAgent.Capsules;

namespace Wrenn.HostAgent.Tests.Capsules;

/// <summary>Base of test classes whose tests each get a fresh runtime (they end, pause or take over VMs).</summary>
public abstract class OwnRuntimeTests : IAsyncLifetime
{
    /// <summary>The runtime under test with its data directory (a host agent, in effect).</summary>
    protected TestRuntime Host { get; } = TestRuntime.Create();

    protected CapsuleRuntime Runtime => Host.Runtime;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await Host.DisposeAsync();
}
