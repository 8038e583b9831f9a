using Wrenn.Host.Protocol;
using Wrenn.HostAgent.Guest;
using Wrenn.HostAgent.Vmm;

namespace Wrenn.HostAgent.Capsules;

/// <summary>A running capsule on this host: its VM, its agent client and where it lives on disk.</summary>
public sealed class Capsule : IAsyncDisposable
{
    internal Capsule(CapsuleId id, CapsuleState state, CapsuleDirectory directory, IVm vm, GuestAgentClient agent)
    {
        Id = id;
        State = state;
        Directory = directory;
        Vm = vm;
        Agent = agent;
    }

    public CapsuleId Id { get; }

    public CapsuleState State { get; internal set; }

    public CapsuleDirectory Directory { get; }

    public IVm Vm { get; }

    public GuestAgentClient Agent { get; }

    /// <summary>What the guest agent reported when it became ready: its version and the guest kernel's.</summary>
    public GuestVersions Versions { get; internal set; } = new(string.Empty, string.Empty);

    /// <summary>Completes when the VM ends; <see cref="VmExit.Expected"/> is false for a crash.</summary>
    public Task<VmExit> Exited => Vm.Exited;

    public async ValueTask DisposeAsync()
    {
        Agent.Dispose();
        await Vm.DisposeAsync().ConfigureAwait(false);
    }
}

/// <summary>The guest agent's and the guest kernel's versions.</summary>
public sealed record GuestVersions(string Agent, string Kernel);
