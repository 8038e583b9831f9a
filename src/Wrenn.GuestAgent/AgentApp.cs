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
        // Host sessions starting and ending: a line per resume on the console, for operators.
        builder.Logging.AddFilter("Wrenn.GuestAgent.Transport", LogLevel.Information);
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
            // The host owns the session's lifetime (it pings, and replaces the session after a
            // restore); the agent never ends an idle one. Not Timeout.InfiniteTimeSpan: Kestrel
            // stores that as TimeSpan.MaxValue, and adding it to the current timestamp overflows,
            // so the keep-alive timeout fired at the next heartbeat whenever no stream was active,
            // closing sessions under responses that were still being sent (docs/agent-link.md).
            kestrel.Limits.KeepAliveTimeout = TimeSpan.FromDays(365);
            kestrel.Listen(settings.Endpoint, listen => listen.Protocols = HttpProtocols.Http2);
        });

        var services = builder.Services;
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(new AgentSecret(settings.InitialSecret));
        services.AddSingleton<GuestEnvironment>();
        services.AddSingleton<UserDatabase>();
        services.AddSingleton<Files.GuestPaths>();
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
