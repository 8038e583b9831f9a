using System.Net;
using Wrenn.ControlPlane.Capsules;
using Wrenn.ControlPlane.Hosts;
using Wrenn.Host.Protocol;

namespace Wrenn.ControlPlane.Proxy;

/// <summary>
/// The HTTP client side of the port proxy: one pooled <see cref="HttpMessageInvoker"/> whose
/// "connections" are guest agent tunnels. Upstream addresses are <c>http://{capsule}.capsule:{port}/</c>;
/// connections are pooled per capsule and port and die with the capsule's connection scope (pause,
/// delete), so a resumed capsule never gets a stale one.
/// </summary>
internal sealed class GuestTunnels : IDisposable
{
    private const string Suffix = ".capsule";
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(5);

    public GuestTunnels(CapsuleStore store, CapsuleHosts hosts, CapsuleConnections connections)
    {
        Invoker = new HttpMessageInvoker(new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
            ConnectTimeout = ConnectTimeout,
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
            ConnectCallback = async (context, cancellationToken) =>
            {
                var id = context.DnsEndPoint.Host[..^Suffix.Length];
                var record = CapsuleId.TryParse(id, out var capsuleId) ? await store.GetAnyAsync(id, cancellationToken).ConfigureAwait(false) : null;
                var guest = record is null ? null : hosts.For(record).Guest(capsuleId);
                if (guest is null)
                {
                    throw new IOException("the capsule is not running");
                }

                return await TunnelStream.OpenAsync(guest.Tunnel, context.DnsEndPoint.Port, connections.ScopeOf(id).Token, cancellationToken)
                    .ConfigureAwait(false);
            },
        });
    }

    public HttpMessageInvoker Invoker { get; }

    public static string Destination(string capsuleId, int port) => $"http://{capsuleId}{Suffix}:{port}/";

    public void Dispose() => Invoker.Dispose();
}
