using Microsoft.AspNetCore.Server.Kestrel.Core;
using Wrenn.GuestAgent.Accounts;
using Wrenn.GuestAgent.Files;
using Wrenn.GuestAgent.Machine;
using Wrenn.GuestAgent.Processes;
using Wrenn.GuestAgent.Pty;
using Wrenn.GuestAgent.Security;
using Wrenn.GuestAgent.Tunnels;

namespace Wrenn.GuestAgent;

/// <summary>Composes the agent: Kestrel speaking HTTP/2 on one endpoint, and the gRPC services.</summary>
internal static class AgentApp
{
    public static WebApplication Build(AgentSettings settings, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(options => options.SingleLine = true);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            // One connection carries every call of the host; streams are cheap, so allow many.
            kestrel.Limits.Http2.MaxStreamsPerConnection = 4096;
            kestrel.Limits.Http2.InitialConnectionWindowSize = 8 * 1024 * 1024;
            kestrel.Limits.Http2.InitialStreamWindowSize = 1024 * 1024;
            kestrel.Limits.MaxRequestBodySize = null;
            kestrel.Limits.MinRequestBodyDataRate = null;
            kestrel.Limits.MinResponseDataRate = null;
            kestrel.Limits.KeepAliveTimeout = Timeout.InfiniteTimeSpan;
            kestrel.Listen(settings.Endpoint, listen => listen.Protocols = HttpProtocols.Http2);
        });

        var services = builder.Services;
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(new AgentSecret(settings.InitialSecret));
        services.AddSingleton<GuestEnvironment>();
        services.AddSingleton<UserDatabase>();
        services.AddGrpc(grpc =>
        {
            grpc.Interceptors.Add<SecretInterceptor>();
            grpc.MaxReceiveMessageSize = 4 * 1024 * 1024;
            grpc.EnableDetailedErrors = false;
        });
        services.AddSingleton(settings);
        services.AddSingleton<ProcessTable>();
        services.AddSingleton<ProcessLauncher>();
        services.AddSingleton<PtyLauncher>();
        services.AddSingleton<FileEntries>();

        configure?.Invoke(builder);
        var app = builder.Build();
        app.MapGrpcService<MachineService>();
        app.MapGrpcService<ProcessesService>();
        app.MapGrpcService<PtyService>();
        app.MapGrpcService<FilesService>();
        app.MapGrpcService<TunnelService>();
        return app;
    }
}
