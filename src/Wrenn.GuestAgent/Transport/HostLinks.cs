using System.Net;
using System.Net.Sockets;
using Wrenn.Linux.Io;

namespace Wrenn.GuestAgent.Transport;

/// <summary>Starts serving host sessions on an endpoint: the capsule's link, or a Unix socket outside one.</summary>
internal static class HostLinks
{
    public static async Task<IAsyncDisposable> ServeAsync(EndPoint endpoint, AgentRpc rpc, CancellationToken cancellationToken)
    {
        switch (endpoint)
        {
            case UnixDomainSocketEndPoint unix:
                return new UnixSocketListener(unix.ToString(), rpc);
            case HostLinkEndPoint { VirtioPortName: null } vsock:
                return new VsockListener(vsock.VsockPort, rpc);
            case HostLinkEndPoint link:
                var device = await VirtioPorts.FindAsync(link.VirtioPortName!, TimeSpan.FromSeconds(5), cancellationToken).ConfigureAwait(false)
                    ?? throw new IOException($"virtio-serial port {link.VirtioPortName} not found");
                return new VirtioSerialListener(FdIo.Open(device, FdIo.O_RDWR | FdIo.O_NONBLOCK | FdIo.O_NOCTTY), rpc);
            default:
                throw new ArgumentException($"cannot serve on {endpoint}", nameof(endpoint));
        }
    }
}
