using System.Net;
using System.Net.Sockets;

namespace Wrenn.SnapshotStore.Tests.Server;

/// <summary>Loopback ports that nothing listens on, for servers that must be told their port up front.</summary>
public static class FreePorts
{
    /// <summary>
    /// <paramref name="count"/> distinct ports: each is held until all are chosen, so the kernel
    /// cannot hand out the same one twice; another program may still take one before its server binds it.
    /// </summary>
    public static int[] Take(int count)
    {
        var listeners = new TcpListener[count];
        try
        {
            for (var index = 0; index < count; index++)
            {
                listeners[index] = new TcpListener(IPAddress.Loopback, 0);
                listeners[index].Start();
            }

            return [.. listeners.Select(listener => ((IPEndPoint)listener.LocalEndpoint).Port)];
        }
        finally
        {
            foreach (var listener in listeners)
            {
                listener?.Dispose();
            }
        }
    }
}
