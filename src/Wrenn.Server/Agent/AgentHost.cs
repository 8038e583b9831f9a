using Grpc.AspNetCore.Server.Model;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Wrenn.Server.Hosting;
using Wrenn.Server.Serve;
using Wrenn.Host.Protocol;
using Wrenn.HostAgent.Hosting;

namespace Wrenn.Server.Agent;

/// <summary>
/// Composes <c>wrenn agent</c>: this machine's host agent serving its control plane over gRPC
/// (HTTP/2, mutual TLS: the agent's certificate and the control plane's client certificate both
/// issued by the control plane's CA), plus the heartbeat.
/// </summary>
internal static class AgentHost
{
    public static WebApplication Build(AgentSettings settings, AgentIdentity identity, ControlPlaneClient controlPlane)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(settings.Listen, listen =>
        {
            listen.Protocols = HttpProtocols.Http2;
            listen.UseHttps(new HttpsConnectionAdapterOptions
            {
                // Read per connection: a refresh may have renewed the certificate.
                ServerCertificateSelector = (_, _) => identity.Certificate,
                ClientCertificateMode = ClientCertificateMode.RequireCertificate,
                ClientCertificateValidation = (certificate, _, _) => HostTls.IsIssuedFor(certificate, identity.Authority, HostTls.ClientAuth),
            });
        }));
        ServeHost.ConfigureLogging(builder.Logging, settings.LogFormat, settings.LogLevel);
        var services = builder.Services;
        services.AddSingleton(TimeProvider.System);
        LocalHostServices.Add(services, settings.Host);
        services.AddGrpc(grpc =>
        {
            grpc.MaxReceiveMessageSize = 16 * 1024 * 1024;
            grpc.MaxSendMessageSize = 16 * 1024 * 1024;
        });
        services.AddSingleton<IServiceMethodProvider<GuestRelay>, GuestRelayMethods>();
        services.AddSingleton(identity);
        services.AddSingleton(controlPlane);
        services.AddHostedService<AgentHeartbeat>();

        var app = builder.Build();
        app.MapGrpcService<HostService>();
        app.MapGrpcService<GuestRelay>();
        return app;
    }
}
