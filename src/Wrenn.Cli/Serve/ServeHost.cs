using Wrenn.ControlPlane;
using Wrenn.HostAgent.Capsules;
using Wrenn.HostAgent.Images;
using Wrenn.HostAgent.Network;
using Wrenn.HostAgent.PageServer;
using Wrenn.HostAgent.Vmm;
using Wrenn.HostAgent.Vmm.Firecracker;
using Wrenn.HostAgent.Vmm.Qemu;

namespace Wrenn.Cli.Serve;

/// <summary>
/// Composes <c>wrenn serve</c>: the control plane (public API, SQLite state) and this machine's
/// host agent (capsule runtime with the Firecracker or the QEMU driver) in one process.
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
        AddVmm(services, settings);
        services.AddSingleton<CapsuleRuntime>();
        builder.AddWrennControlPlane(settings.DataDirectory, settings.ProxyDomain);

        var app = builder.Build();
        app.UseWrennControlPlane();
        return app;
    }

    /// <summary>Firecracker when it is configured and /dev/kvm is usable; QEMU (KVM or TCG) otherwise.</summary>
    private static void AddVmm(IServiceCollection services, ServeSettings settings)
    {
        var firecracker = settings.Firecracker is { } binary
            ? new FirecrackerOptions { Firecracker = binary, Jailer = settings.Jailer, JailDirectory = Path.Combine(settings.DataDirectory, "jail") }
            : null;
        if (firecracker is not { Usable: true })
        {
            if (firecracker is not null)
            {
                Console.Error.WriteLine("wrenn: --firecracker given, but the binary or a usable /dev/kvm is missing: capsules run under QEMU");
            }

            services.AddSingleton<IVmm, QemuDriver>();
            return;
        }

        services.AddSingleton(firecracker);
        services.AddSingleton<CapsuleNetworks>();
        services.AddSingleton<PageServer>();
        services.AddSingleton<IVmm, FirecrackerDriver>();
    }
}
