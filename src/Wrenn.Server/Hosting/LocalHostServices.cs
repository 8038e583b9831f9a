using Wrenn.HostAgent.Capsules;
using Wrenn.HostAgent.Hosting;
using Wrenn.HostAgent.Images;
using Wrenn.HostAgent.Network;
using Wrenn.HostAgent.PageServer;
using Wrenn.HostAgent.Vmm;
using Wrenn.HostAgent.Vmm.Firecracker;
using Wrenn.HostAgent.Vmm.Qemu;

namespace Wrenn.Server.Hosting;

/// <summary>Registers this machine's host agent: guest images, the VMM driver, the capsule runtime and <see cref="LocalCapsuleHost"/>.</summary>
internal static class LocalHostServices
{
    public static void Add(IServiceCollection services, LocalHostSettings settings)
    {
        services.AddSingleton(new RuntimeOptions
        {
            DataDirectory = settings.DataDirectory,
            TemplatesDirectory = settings.TemplatesDirectory,
            TemplateCacheBytes = settings.TemplateCacheBytes,
            UploadDelay = settings.UploadDelay,
        });
        var images = GuestImages.Load(settings.ImagesDirectory);
        services.AddSingleton(images);
        services.AddSingleton(images.BaseImages());
        AddVmm(services, settings);
        services.AddSingleton<CapsuleRuntime>();
        services.AddSingleton<LocalCapsuleHost>();
        if (settings.PrebuildTemplates)
        {
            services.AddHostedService<TemplatePrebuild>();
        }
    }

    /// <summary>Firecracker when it is configured and /dev/kvm is usable; QEMU (KVM or TCG) otherwise.</summary>
    private static void AddVmm(IServiceCollection services, LocalHostSettings settings)
    {
        services.AddSingleton(new EgressPolicy(settings.EgressAllow, settings.EgressDeny,
            settings.CapsuleDns.Count > 0 ? settings.CapsuleDns : EgressPolicy.HostResolvers()));
        services.AddSingleton<CapsuleNetworks>();
        var firecracker = settings.Firecracker is { } binary
            ? new FirecrackerOptions { Firecracker = binary, Jailer = settings.Jailer, JailDirectory = Path.Combine(settings.DataDirectory, "jail") }
            : null;
        if (firecracker is not { Usable: true })
        {
            if (firecracker is not null)
            {
                Console.Error.WriteLine("wrenn: --firecracker given, but the binary or a usable /dev/kvm is missing: capsules run under QEMU");
            }

            services.AddSingleton<IVmm>(provider => new QemuDriver(provider.GetRequiredService<ILogger<QemuDriver>>(),
                settings.CapsuleNetwork ? provider.GetRequiredService<CapsuleNetworks>() : null, asRoot: !settings.VmmUnprivileged));
            return;
        }

        // Firecracker VMs always have their network card (capsule_network applies to QEMU).
        services.AddSingleton(firecracker);
        services.AddSingleton<PageServer>();
        services.AddSingleton<IVmm, FirecrackerDriver>();
    }
}
