namespace Wrenn.HostAgent.Vmm;

/// <summary>How a VM ended. <paramref name="Reason"/> is short text safe to show users.</summary>
public sealed record VmExit(bool Expected, string Reason);
