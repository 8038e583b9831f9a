namespace Wrenn.HostAgent.Capsules;

/// <summary>What a capsule is created with.</summary>
public sealed record CapsuleSpec(string Template, int Vcpus = 1, int MemoryMb = 512);
