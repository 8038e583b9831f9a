using Wrenn.Host.Protocol;
using Wrenn.HostAgent.Capsules;

namespace Wrenn.HostAgent.Tests.Capsules;

/// <summary>One capsule booted from a template and shared by the tests of a collection.</summary>
public abstract class BootedCapsule(string template, bool networked = false) : IAsyncLifetime
{
    private TestRuntime? _runtime;

    public Capsule Capsule { get; private set; } = null!;

    public TestRuntime Runtime => _runtime!;

    public async Task InitializeAsync()
    {
        _runtime = TestRuntime.Create(networked: networked);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        Capsule = await _runtime.Runtime.CreateAsync(new CapsuleSpec(template, Vcpus: 1, MemoryMb: 512), timeout.Token);
    }

    public async Task DisposeAsync()
    {
        if (_runtime is not null)
        {
            await _runtime.DisposeAsync();
        }
    }
}

public sealed class MinimalCapsule() : BootedCapsule("minimal");

public sealed class PythonCapsule() : BootedCapsule("base-python");

/// <summary>A minimal capsule with a network card, as a server makes them.</summary>
public sealed class NetworkedCapsule() : BootedCapsule("minimal", networked: true);

[CollectionDefinition(Name)]
public sealed class MinimalCapsuleGroup : ICollectionFixture<MinimalCapsule>
{
    public const string Name = "minimal capsule";
}
