using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Wrenn.Linux.Memory;

/// <summary>
/// A memory mapping owned by this process: anonymous memory (what a VMM's guest RAM is), or a
/// file mapped read-only (snapshot pages served straight from the page cache).
/// </summary>
public sealed partial class MappedMemory : IDisposable
{
    private const int PROT_READ = 0x1;
    private const int PROT_WRITE = 0x2;
    private const int MAP_SHARED = 0x01;
    private const int MAP_PRIVATE = 0x02;
    private const int MAP_ANONYMOUS = 0x20;
    private const int MAP_NORESERVE = 0x4000;
    private const int MADV_DONTNEED = 4;
    private static readonly nint MapFailed = -1;

    private nint _address;

    private MappedMemory(nint address, long length)
    {
        _address = address;
        Length = length;
    }

    public nint Address => _address;

    public long Length { get; }

    /// <summary>Private anonymous read-write memory, reserved lazily (like guest RAM).</summary>
    public static MappedMemory Anonymous(long length) =>
        Map(length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

    /// <summary>Maps <paramref name="length"/> bytes of <paramref name="file"/> from offset 0, read-only and shared.</summary>
    public static MappedMemory ReadOnly(SafeFileHandle file, long length)
    {
        ArgumentNullException.ThrowIfNull(file);
        return Map(length, PROT_READ, MAP_SHARED, (int)file.DangerousGetHandle(), 0);
    }

    /// <summary>Drops the pages of [<paramref name="offset"/>, +<paramref name="length"/>): the next touch faults again.</summary>
    public void Discard(long offset, long length) => Advise(offset, length, MADV_DONTNEED);

    /// <summary>A span over the mapping (callers keep it shorter-lived than this object).</summary>
    public unsafe Span<byte> Span(long offset, int length)
    {
        if (offset < 0 || length < 0 || offset + length > Length)
        {
            throw new ArgumentOutOfRangeException(nameof(offset));
        }

        // SAFETY: the range was checked against the mapping's length above and the mapping stays
        // until Dispose, which callers call only after they stopped using spans.
        return new Span<byte>((byte*)_address + offset, length);
    }

    /// <summary>
    /// Copies bytes out of the mapping through libc. A thread that faults on userfaultfd-registered
    /// memory in here waits outside managed code, where the garbage collector does not wait for it;
    /// touching such memory from managed code could deadlock the process against its own page server.
    /// </summary>
    public void CopyOut(long offset, Span<byte> destination)
    {
        if (offset < 0 || offset + destination.Length > Length)
        {
            throw new ArgumentOutOfRangeException(nameof(offset));
        }

        unsafe
        {
            // SAFETY: the source range lies inside this mapping (checked above) and the destination is
            // pinned for the call, with its exact length passed.
            fixed (byte* target = destination)
            {
                Memcpy(target, (byte*)_address + offset, (nuint)destination.Length);
            }
        }
    }

    public void Dispose()
    {
        if (_address != 0)
        {
            unsafe
            {
                // SAFETY: unmaps exactly the range this object mapped, once (the address is cleared).
                _ = Munmap((void*)_address, (nuint)Length);
            }

            _address = 0;
        }
    }

    private void Advise(long offset, long length, int advice)
    {
        if (offset < 0 || length < 0 || offset + length > Length)
        {
            throw new ArgumentOutOfRangeException(nameof(offset));
        }

        unsafe
        {
            // SAFETY: the advised range lies inside this mapping (checked above); madvise changes page
            // residency only, never the mapping itself.
            if (Madvise((byte*)_address + offset, (nuint)length, advice) < 0)
            {
                throw new IOException($"madvise failed (errno {Marshal.GetLastPInvokeError()})");
            }
        }
    }

    private static MappedMemory Map(long length, int protection, int flags, int fd, long offset)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        unsafe
        {
            // SAFETY: a fresh mapping chosen by the kernel (no fixed address), so no existing memory is replaced.
            var address = (nint)Mmap(null, (nuint)length, protection, flags, fd, offset);
            if (address == MapFailed)
            {
                throw new IOException($"mmap failed (errno {Marshal.GetLastPInvokeError()})");
            }

            return new MappedMemory(address, length);
        }
    }

    [LibraryImport("libc", EntryPoint = "mmap", SetLastError = true)]
    private static unsafe partial void* Mmap(void* address, nuint length, int protection, int flags, int fd, long offset);

    [LibraryImport("libc", EntryPoint = "memcpy")]
    private static unsafe partial void* Memcpy(void* destination, void* source, nuint length);

    [LibraryImport("libc", EntryPoint = "munmap", SetLastError = true)]
    private static unsafe partial int Munmap(void* address, nuint length);

    [LibraryImport("libc", EntryPoint = "madvise", SetLastError = true)]
    private static unsafe partial int Madvise(void* address, nuint length, int advice);
}
