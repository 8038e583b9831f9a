namespace Wrenn.HostAgent.Memory;

/// <summary>
/// One page a layer changes: its new contents are stored (a data page, with the XxHash3 of its bytes),
/// or it became all zeros. Pages a layer has no entry for are inherited from the layer below.
/// </summary>
internal readonly record struct LayerEntry(uint Page, bool Zero, ulong Checksum);
