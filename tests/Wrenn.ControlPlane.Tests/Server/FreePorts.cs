using System.Net;
using System.Net.Sockets;

namespace Wrenn.ControlPlane.Tests.Server;

/// <summary>Loopback ports nothing listens on now (for servers, agents and databases of a test or benchmark run).</summary>
public static class FreePorts
{
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
