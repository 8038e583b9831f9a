using System.Runtime.InteropServices;

namespace Wrenn.Linux.Memory;

/// <summary>One struct uffd_msg (32 bytes): an event and its arguments, read from a userfaultfd.</summary>
[StructLayout(LayoutKind.Explicit, Size = 32)]
public readonly struct UffdMessage
{
    public const byte EventPageFault = 0x12;
    public const byte EventRemap = 0x14;
    public const byte EventRemove = 0x15;
    public const byte EventUnmap = 0x16;

    [FieldOffset(0)] private readonly byte _event;
    [FieldOffset(8)] private readonly ulong _argument0;
    [FieldOffset(16)] private readonly ulong _argument1;
    [FieldOffset(24)] private readonly ulong _argument2;

    public byte Event => _event;

    /// <summary>Page fault: the faulting address.</summary>
    public ulong FaultAddress => _argument1;

    /// <summary>Remove and unmap: the range [start, end).</summary>
    public ulong RangeStart => _argument0;

    public ulong RangeEnd => _argument1;

    /// <summary>Remap: from, to, length.</summary>
    public ulong RemapFrom => _argument0;

    public ulong RemapTo => _argument1;

    public ulong RemapLength => _argument2;
}
