using System.Net;
using Microsoft.AspNetCore.Connections;
using Wrenn.Linux.Io;

namespace Wrenn.GuestAgent.Transport;

/// <summary>Lets Kestrel listen on a <see cref="HostLinkEndPoint"/>.</summary>
internal sealed class HostLinkListenerFactory(ILoggerFactory loggers) : IConnectionListenerFactory, IConnectionListenerFactorySelector
{
    public bool CanBind(EndPoint endpoint) => endpoint is HostLinkEndPoint;

    public async ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default)
    {
        var link = (HostLinkEndPoint)endpoint;
        if (link.VirtioPortName is null)
        {
            return new VsockListener(link);
        }

        var device = await VirtioPorts.FindAsync(link.VirtioPortName, TimeSpan.FromSeconds(5), cancellationToken).ConfigureAwait(false)
            ?? throw new IOException($"virtio-serial port {link.VirtioPortName} not found");
        var port = FdIo.Open(device, FdIo.O_RDWR | FdIo.O_NONBLOCK | FdIo.O_NOCTTY);
        return new VirtioSerialListener(link, port, loggers.CreateLogger<VirtioSerialListener>());
    }
}
