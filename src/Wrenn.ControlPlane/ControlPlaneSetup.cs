using Microsoft.AspNetCore.Server.Kestrel.Core;
using Wrenn.ControlPlane.Api;
using Wrenn.ControlPlane.Audit;
using Wrenn.ControlPlane.Builds;
using Wrenn.ControlPlane.Capsules;
using Wrenn.ControlPlane.Guest;
using Wrenn.ControlPlane.Hosts;
using Wrenn.ControlPlane.Identity;
using Wrenn.ControlPlane.Management;
using Wrenn.ControlPlane.Proxy;
using Wrenn.ControlPlane.Snapshots;
using Wrenn.ControlPlane.Storage;
using Wrenn.ControlPlane.Streams;
using Wrenn.ControlPlane.Telemetry;
using Wrenn.ControlPlane.Usage;

namespace Wrenn.ControlPlane;

/// <summary>Composes the control plane into a web application (<c>wrenn serve</c>, tests).</summary>
public static class ControlPlaneSetup
{
    public const string Version = "1.0.0";

    /// <summary>Registers the control plane's services; an <see cref="Host.Protocol.ICapsuleHost"/> (this machine's) and the <see cref="Host.Protocol.BaseImages"/> must be registered too.</summary>
    public static void AddWrennControlPlane(this WebApplicationBuilder builder, ControlPlaneOptions options)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(options);
        var services = builder.Services;
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            // Body limits are per route (JSON 1 MiB, files/write 100 MiB, streams unlimited).
            kestrel.Limits.MaxRequestBodySize = null;
            // The target and header limits are RequestSizes', answered with the JSON error shape;
            // Kestrel's own, which answer with an empty body, sit far above them.
            kestrel.Limits.MaxRequestLineSize = 16 * RequestSizes.MaxTargetBytes;
            kestrel.Limits.MaxRequestHeadersTotalSize = 32 * RequestSizes.MaxHeaderBytes;
            kestrel.AddServerHeader = false;
        });
        services.Configure<KestrelServerOptions>(kestrel => kestrel.AllowSynchronousIO = false);
        services.AddSingleton(options);
        // Made now, so that a bad URL stops the start; registered by a factory, so that the container disposes it.
        var database = Database.For(options.DatabaseUrl, options.DataDirectory);
        services.AddSingleton(_ => database);
        services.AddSingleton(_ => new ApiMetrics(Version));
        services.AddSingleton<Accounts>();
        services.AddSingleton<ApiKeys>();
        services.AddSingleton<Sessions>();
        services.AddSingleton<RequestLimiter>();
        services.AddSingleton<Authenticator>();
        services.AddSingleton<AuditLog>();
        services.AddSingleton<CapsuleStore>();
        services.AddSingleton<CapsuleHosts>();
        services.AddSingleton<Placement>();
        services.AddSingleton<CapsuleActivity>();
        services.AddSingleton<CapsuleConnections>();
        services.AddSingleton<CapsuleGates>();
        services.AddSingleton<CapsuleLifecycle>();
        services.AddSingleton<CapsuleOrders>();
        services.AddSingleton<E2b.Sandboxes>();
        services.AddSingleton<E2b.EnvdTokens>();
        services.AddSingleton<E2b.Envd.Terminals>();
        services.AddSingleton<E2b.Envd.SandboxEnds>();
        services.AddSingleton<E2b.Envd.ProcessRpc>();
        services.AddSingleton<E2b.Envd.FilesystemRpc>();
        services.AddSingleton<E2b.Envd.FileTransfers>();
        services.AddSingleton<E2b.SandboxSnapshots>();
        services.AddSingleton<E2b.Interpreter.JupyterKernels>();
        services.AddSingleton<E2b.Interpreter.CodeInterpreter>();
        services.AddSingleton<GuestAccess>();
        services.AddSingleton<TemplateCatalog>();
        services.AddSingleton<TemplateCollector>();
        services.AddSingleton<TemplateMaker>();
        services.AddSingleton<SnapshotTemplates>();
        services.AddSingleton<BuildStore>();
        services.AddSingleton<BuildFeed>();
        services.AddSingleton<BuildRunner>();
        services.AddSingleton<BuildQueue>();
        services.AddSingleton<TemplateBuilds>();
        services.AddSingleton<StreamAdmission>();
        services.AddSingleton<GuestTunnels>();
        services.AddSingleton<UserStore>();
        services.AddSingleton<Memberships>();
        services.AddSingleton<LoginLimiter>();
        services.AddSingleton<Dashboard.DashboardFiles>();
        services.AddHttpForwarder();
        services.AddSingleton<CapsuleMetricsStore>();
        services.AddSingleton<TeamSamples>();
        services.AddSingleton<HostStore>();
        services.AddSingleton<HostAccess>();
        services.AddSingleton<HostCertificates>();
        services.AddSingleton<HostRegistry>();
        services.AddSingleton<HostEnrollment>();
        services.AddSingleton<HostMonitor>();
        services.AddSingleton<LocalHost>();
        services.AddHostedService<FirstStart>();
        // After FirstStart (schema), before the liveness check: the in-process host heartbeats
        // first, so a restart after a long stop does not find its own capsules missing.
        services.AddHostedService(provider => provider.GetRequiredService<LocalHost>());
        services.AddHostedService(provider => provider.GetRequiredService<HostMonitor>());
        services.AddSingleton<CapsuleReconciler>();
        services.AddHostedService(provider => provider.GetRequiredService<CapsuleReconciler>());
        services.AddHostedService<HostLinks>();
        services.AddHostedService<IdleCapsules>();
        services.AddHostedService<UsageSampler>();
        services.AddHostedService<Retention>();
        services.AddHostedService<Snapshots.StoreCollection>();
        services.AddHostedService<E2b.ForkCaptureSweep>();
        // After FirstStart, which brings the schema up to date.
        services.AddHostedService(provider => provider.GetRequiredService<BuildQueue>());
        // Replies are written with ApiJson's options; these only describe them in the OpenAPI
        // document, where members and enums must show as sent: snake_case names, enums as strings.
        services.ConfigureHttpJsonOptions(json =>
        {
            json.SerializerOptions.PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.SnakeCaseLower;
            json.SerializerOptions.Converters.Add(
                new System.Text.Json.Serialization.JsonStringEnumConverter(System.Text.Json.JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false));
        });
        services.AddOpenApi("v1", openApi => openApi.AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = "Wrenn API";
            document.Info.Version = Version;
            document.Servers?.Clear();
            return Task.CompletedTask;
        }));
    }

    /// <summary>The middleware pipeline and every route, each also under <c>/api</c>.</summary>
    public static void UseWrennControlPlane(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseMiddleware<RequestIds>();
        app.UseMiddleware<HttpMetrics>();
        app.UseMiddleware<ErrorReplies>();
        app.UseMiddleware<RequestSizes>();
        app.UseMiddleware<E2b.E2bRouting>();
        app.UseMiddleware<E2b.Envd.SandboxPlane>();
        app.UseMiddleware<PortProxy>();
        app.UseMiddleware<Dashboard.DashboardAssets>();
        app.UsePathBase("/api");
        app.Use((context, next) =>
        {
            var path = context.Request.Path.Value;
            if (path is { Length: > 1 } && path.EndsWith('/'))
            {
                context.Request.Path = new PathString(path[..^1]);
            }

            return next(context);
        });
        app.UseStatusCodePages(async status =>
        {
            var context = status.HttpContext;
            var error = context.Response.StatusCode == StatusCodes.Status405MethodNotAllowed
                ? new ApiException(ApiErrorCode.MethodNotAllowed, "method not allowed on this route")
                : new ApiException(ApiErrorCode.NotFound, "route not found");
            if (context.Response.StatusCode is 404 or 405)
            {
                await ErrorReplies.WriteAsync(context, error).ConfigureAwait(false);
            }
        });
        app.UseRouting();
        app.UseMiddleware<ExactPaths>();
        // Pings every 30 s; a client silent for 60 s (no pong) is treated as gone.
        app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.FromSeconds(30), KeepAliveTimeout = TimeSpan.FromSeconds(30) });

        OperatorEndpoints.Map(app, Version);
        app.MapOpenApi("/openapi.json");
        CapsuleEndpoints.Map(app);
        ExecEndpoints.Map(app);
        ProcessEndpoints.Map(app);
        FileEndpoints.Map(app);
        SnapshotEndpoints.Map(app);
        BuildEndpoints.Map(app);
        StreamEndpoints.Map(app);
        UsageEndpoints.Map(app);
        AuthEndpoints.Map(app);
        TeamEndpoints.Map(app);
        KeyEndpoints.Map(app);
        AuditEndpoints.Map(app);
        HostEndpoints.Map(app);
        if (app.Services.GetRequiredService<ControlPlaneOptions>().E2bPath is { } e2bPath)
        {
            E2b.SandboxEndpoints.Map(app, e2bPath);
        }
    }
}
