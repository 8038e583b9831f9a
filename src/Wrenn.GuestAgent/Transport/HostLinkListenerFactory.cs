using System.Net;
using Microsoft.AspNetCore.Connections;

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
        return new VirtioSerialListener(link, device, loggers.CreateLogger<VirtioSerialListener>());
    }
}
