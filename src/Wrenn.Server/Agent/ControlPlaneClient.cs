using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Wrenn.Host.Protocol;

namespace Wrenn.Server.Agent;

/// <summary>
/// The agent's HTTP client for the control plane's API (register, refresh, heartbeat). Its HTTPS
/// certificate is checked against the system's CAs, or only against <paramref name="authority"/>
/// when the operator gives one (a self-signed control plane).
/// </summary>
internal sealed class ControlPlaneClient(Uri baseAddress, X509Certificate2? authority) : IDisposable
{
    public HttpClient Http { get; } = new(Handler(authority)) { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(15) };

    public void Dispose() => Http.Dispose();

    private static SocketsHttpHandler Handler(X509Certificate2? authority) => authority is null ? new() : new()
    {
        SslOptions = new SslClientAuthenticationOptions
        {
            RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) == SslPolicyErrors.None
                && HostTls.IsIssuedFor(certificate as X509Certificate2, authority, HostTls.ServerAuth),
        },
    };
}
