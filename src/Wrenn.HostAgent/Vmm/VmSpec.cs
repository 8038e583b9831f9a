using Wrenn.HostAgent.Capsules;

namespace Wrenn.HostAgent.Vmm;

/// <summary>What to boot: sizes, the guest images, RAM backing, and the secret the agent starts with.</summary>
public sealed record VmSpec(
    CapsuleDirectory Directory,
    int Vcpus,
    int MemoryMb,
    string KernelPath,
    string InitrdPath,
    string RootImagePath,
    string AgentSecret,
    MemoryImage Memory)
{
    public long MemoryBytes => (long)MemoryMb * 1024 * 1024;
}
