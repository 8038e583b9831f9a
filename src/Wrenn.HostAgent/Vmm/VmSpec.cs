using Wrenn.HostAgent.Capsules;

namespace Wrenn.HostAgent.Vmm;

/// <summary>What to boot: sizes, the guest images, RAM backing, the secret the agent starts with, and whether it has a network card.</summary>
public sealed record VmSpec(
    CapsuleDirectory Directory,
    int Vcpus,
    int MemoryMb,
    string KernelPath,
    string InitrdPath,
    string RootImagePath,
    string AgentSecret,
    MemoryImage Memory,
    bool Network)
{
    public long MemoryBytes => (long)MemoryMb * 1024 * 1024;
}
