using Wrenn.HostAgent.Capsules;
using Wrenn.HostAgent.Images;
using Wrenn.HostAgent.Vmm;
using Wrenn.HostAgent.Vmm.Qemu;

namespace Wrenn.Cli.Serve;

/// <summary>
/// Composes <c>wrenn serve</c>: the host agent (capsule runtime with the QEMU driver) in this
/// process, re-adopting the capsules a previous run left running, behind the HTTP endpoints.
/// </summary>
internal static class ServeHost
{
    public const string Version = "0.1.0";

    public static WebApplication Build(ServeSettings settings)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://" + settings.Listen);
        var services = builder.Services;
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(new RuntimeOptions { DataDirectory = settings.DataDirectory });
        services.AddSingleton(_ => GuestImages.Load(settings.ImagesDirectory));
        services.AddSingleton<IVmm, QemuDriver>();
        services.AddSingleton<CapsuleRuntime>();
        services.AddHostedService<CapsuleAdoption>();

        var app = builder.Build();
        app.MapGet("/health", () => Results.Json(new HealthReply("ok", Version), ServeJsonContext.Default.HealthReply));
        app.MapGet("/api/health", () => Results.Json(new HealthReply("ok", Version), ServeJsonContext.Default.HealthReply));
        return app;
    }
}
