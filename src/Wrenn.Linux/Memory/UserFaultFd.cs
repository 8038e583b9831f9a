using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using Wrenn.Linux.Io;

namespace Wrenn.Linux.Memory;

/// <summary>
/// A userfaultfd (linux/userfaultfd.h): missing-page faults of registered memory become messages
/// on the fd, and the handler resolves them by copying or zero-filling pages into place. Firecracker
/// creates the fd and hands it to Wrenn's page server; tests and benchmarks create their own.
/// </summary>
public sealed partial class UserFaultFd : IDisposable
{
    // linux/userfaultfd.h: ioctl numbers are _IOWR/_IOR(0xAA, nr, struct) for the x86-64 struct sizes.
    private const ulong UFFD_API = 0xAA;
    private const ulong UFFDIO_API = 0xC018AA3F;
    private const ulong UFFDIO_REGISTER = 0xC020AA00;
    private const ulong UFFDIO_WAKE = 0x8010AA02;
    private const ulong UFFDIO_COPY = 0xC028AA03;
    private const ulong UFFDIO_ZEROPAGE = 0xC020AA04;
    private const ulong UFFDIO_REGISTER_MODE_MISSING = 1;
    private const long SYS_userfaultfd = 323;

    /// <summary>Features a Firecracker-like client asks for: remove, unmap and remap events.</summary>
    public const ulong FeatureEventRemap = 1 << 2;
    public const ulong FeatureEventRemove = 1 << 3;
    public const ulong FeatureEventUnmap = 1 << 6;

    private readonly SafeFileHandle _handle;

    // The raw fd for the fault path (no reference counting per ioctl): owners dispose this object
    // only after every thread using it has stopped.
    private readonly int _fd;

    /// <summary>Wraps a userfaultfd received from another process; this object owns it.</summary>
    public UserFaultFd(SafeFileHandle handle)
    {
        ArgumentNullException.ThrowIfNull(handle);
        _handle = handle;
        _fd = (int)handle.DangerousGetHandle();
    }

    public SafeFileHandle Handle => _handle;

    /// <summary>Creates a non-blocking userfaultfd for this process and negotiates <paramref name="features"/>.</summary>
    public static UserFaultFd Create(ulong features)
    {
        var fd = (int)Syscall(SYS_userfaultfd, FdIo.O_CLOEXEC | FdIo.O_NONBLOCK);
        if (fd < 0)
        {
            throw Failure("userfaultfd", Marshal.GetLastPInvokeError());
        }

        var uffd = new UserFaultFd(new SafeFileHandle(fd, ownsHandle: true));
        var api = new UffdioApi { Api = UFFD_API, Features = features };
        unsafe
        {
            // SAFETY: a stack struct of exactly the size encoded in the ioctl number; the kernel reads and writes only it.
            if (Ioctl(fd, UFFDIO_API, &api) < 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                uffd.Dispose();
                throw Failure("UFFDIO_API", errno);
            }
        }

        return uffd;
    }

    /// <summary>Registers [<paramref name="start"/>, +<paramref name="length"/>) for missing-page faults.</summary>
    public void Register(nint start, long length)
    {
        var register = new UffdioRegister { Start = (ulong)start, Length = (ulong)length, Mode = UFFDIO_REGISTER_MODE_MISSING };
        unsafe
        {
            // SAFETY: a stack struct of exactly the size encoded in the ioctl number; the kernel reads and writes only it.
            Check(Ioctl(_fd, UFFDIO_REGISTER, &register), "UFFDIO_REGISTER");
        }
    }

    /// <summary>
    /// Copies <paramref name="length"/> bytes from <paramref name="source"/> into the registered range at
    /// <paramref name="destination"/> and wakes the threads waiting there. Returns the bytes copied
    /// (fewer than asked when a page of the range is already present), or -errno.
    /// </summary>
    public long Copy(nint destination, nint source, long length)
    {
        var copy = new UffdioCopy { Destination = (ulong)destination, Source = (ulong)source, Length = (ulong)length };
        int result;
        unsafe
        {
            // SAFETY: a stack struct of exactly the size encoded in the ioctl number. The kernel reads
            // `length` bytes at `source`, which callers take from a live mapping of at least that size.
            result = Ioctl(_fd, UFFDIO_COPY, &copy);
        }

        return result == 0 ? (long)copy.Length : copy.Copied > 0 ? copy.Copied : -Marshal.GetLastPInvokeError();
    }

    /// <summary>Maps zero pages over [<paramref name="destination"/>, +<paramref name="length"/>); bytes mapped or -errno.</summary>
    public long ZeroPages(nint destination, long length)
    {
        var zero = new UffdioZeroPage { Start = (ulong)destination, Length = (ulong)length };
        int result;
        unsafe
        {
            // SAFETY: a stack struct of exactly the size encoded in the ioctl number; the kernel reads and writes only it.
            result = Ioctl(_fd, UFFDIO_ZEROPAGE, &zero);
        }

        return result == 0 ? (long)zero.Length : zero.Mapped > 0 ? zero.Mapped : -Marshal.GetLastPInvokeError();
    }

    /// <summary>Wakes threads waiting on [<paramref name="start"/>, +<paramref name="length"/>) (a page another copy already placed).</summary>
    public void Wake(nint start, long length)
    {
        var range = new UffdioRange { Start = (ulong)start, Length = (ulong)length };
        unsafe
        {
            // SAFETY: a stack struct of exactly the size encoded in the ioctl number; the kernel only reads it.
            Ioctl(_fd, UFFDIO_WAKE, &range);
        }
    }

    /// <summary>Reads pending messages into <paramref name="messages"/>: the count, 0 when none, or -errno.</summary>
    public int ReadMessages(Span<UffdMessage> messages)
    {
        var bytes = FdIo.Read(_handle, MemoryMarshal.AsBytes(messages));
        return bytes >= 0 ? bytes / Marshal.SizeOf<UffdMessage>() : bytes == -Errno.EAGAIN ? 0 : bytes;
    }

    public void Dispose() => _handle.Dispose();

    private static void Check(int result, string operation)
    {
        if (result < 0)
        {
            throw Failure(operation, Marshal.GetLastPInvokeError());
        }
    }

    private static IOException Failure(string operation, int errno) => new($"{operation} failed (errno {errno})", errno);

    [StructLayout(LayoutKind.Sequential)]
    private struct UffdioApi
    {
        public ulong Api;
        public ulong Features;
        public ulong Ioctls;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct UffdioRange
    {
        public ulong Start;
        public ulong Length;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct UffdioRegister
    {
        public ulong Start;
        public ulong Length;
        public ulong Mode;
        public ulong Ioctls;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct UffdioCopy
    {
        public ulong Destination;
        public ulong Source;
        public ulong Length;
        public ulong Mode;
        public long Copied;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct UffdioZeroPage
    {
        public ulong Start;
        public ulong Length;
        public ulong Mode;
        public long Mapped;
    }

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static partial long Syscall(long number, int flags);

    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    private static unsafe partial int Ioctl(int fd, ulong request, void* argument);
}
