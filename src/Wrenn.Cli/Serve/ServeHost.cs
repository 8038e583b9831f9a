using Wrenn.ControlPlane;
using Wrenn.HostAgent.Capsules;
using Wrenn.HostAgent.Images;
using Wrenn.HostAgent.Vmm;
using Wrenn.HostAgent.Vmm.Qemu;

namespace Wrenn.Cli.Serve;

/// <summary>
/// Composes <c>wrenn serve</c>: the control plane (public API, SQLite state) and this machine's
/// host agent (capsule runtime with the QEMU driver) in one process.
/// </summary>
internal static class ServeHost
{
    public static WebApplication Build(ServeSettings settings)
    {
        Directory.CreateDirectory(settings.DataDirectory);
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://" + settings.Listen);
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        // A guest port that refuses is an ordinary 502 for the client, not a server warning.
        builder.Logging.AddFilter("Yarp", LogLevel.Error);
        var services = builder.Services;
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(new RuntimeOptions { DataDirectory = settings.DataDirectory, TemplatesDirectory = settings.TemplatesDirectory });
        services.AddSingleton(_ => GuestImages.Load(settings.ImagesDirectory));
        services.AddSingleton<IVmm, QemuDriver>();
        services.AddSingleton<CapsuleRuntime>();
        builder.AddWrennControlPlane(settings.DataDirectory, settings.ProxyDomain);

        var app = builder.Build();
        app.UseWrennControlPlane();
        return app;
    }
}
