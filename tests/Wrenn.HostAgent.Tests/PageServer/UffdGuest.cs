using System.Net.Sockets;
using System.Text;
using Wrenn.HostAgent.PageServer;
using Wrenn.Linux.Io;
using Wrenn.Linux.Memory;

namespace Wrenn.HostAgent.Tests.PageServer;

/// <summary>
/// Firecracker's side of the UFFD backend, in this process: guest memory mapped anonymous and
/// registered with a userfaultfd, the fd and the region list sent over the page server's socket.
/// Touching <see cref="Memory"/> then faults pages in from the page server. Dispose it before the
/// session, as a VMM exits before its page server.
/// </summary>
internal sealed class UffdGuest : IDisposable
{
    private readonly UserFaultFd _uffd;

    private UffdGuest(MappedMemory memory, UserFaultFd uffd)
    {
        Memory = memory;
        _uffd = uffd;
    }

    public MappedMemory Memory { get; }

    public static async Task<UffdGuest> ConnectAsync(string socketPath, long bytes, string? handshake = null)
    {
        var memory = MappedMemory.Anonymous(bytes);
        var uffd = UserFaultFd.Create(UserFaultFd.FeatureEventRemove | UserFaultFd.FeatureEventUnmap | UserFaultFd.FeatureEventRemap);
        try
        {
            uffd.Register(memory.Address, bytes);
            using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath));
            socket.Blocking = true;
            var regions = handshake ?? $"[{new GuestRegion((ulong)memory.Address, (ulong)bytes, 0, 4096, null).ToJson()}]";
            UnixRights.Send(socket, Encoding.UTF8.GetBytes(regions), uffd.Handle);
            return new UffdGuest(memory, uffd);
        }
        catch
        {
            uffd.Dispose();
            memory.Dispose();
            throw;
        }
    }

    /// <summary>A copy of guest page <paramref name="page"/> (read through libc: see <see cref="MappedMemory.CopyOut"/>).</summary>
    public byte[] Page(long page) => Read(page * 4096, 4096);

    public byte[] Read(long offset, int length)
    {
        var bytes = new byte[length];
        Memory.CopyOut(offset, bytes);
        return bytes;
    }

    public void Dispose()
    {
        // Our userfaultfd goes first: were the page server gone too, unmapping would wait forever for
        // someone to read the unmap event.
        _uffd.Dispose();
        Memory.Dispose();
    }
}
