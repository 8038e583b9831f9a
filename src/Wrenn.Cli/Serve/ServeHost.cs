using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Server.Kestrel.Core;
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
/// Composes <c>wrenn serve</c>: the control plane (public API, SQLite or PostgreSQL state) and this
/// machine's host agent (capsule runtime with the Firecracker or the QEMU driver) in one process.
/// </summary>
internal static class ServeHost
{
    public static WebApplication Build(ServeSettings settings)
    {
        // The data directory holds every capsule's memory and disk, the database and the keys:
        // nobody but the server's user may read it.
        var data = Directory.CreateDirectory(settings.DataDirectory);
        data.UnixFileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(kestrel => Listen(kestrel, settings));
        ConfigureLogging(builder.Logging, settings);
        var services = builder.Services;
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(new RuntimeOptions
        {
            DataDirectory = settings.DataDirectory,
            TemplatesDirectory = settings.TemplatesDirectory,
            TemplateCacheBytes = settings.TemplateCacheBytes,
        });
        services.AddSingleton(_ => GuestImages.Load(settings.ImagesDirectory));
        AddVmm(services, settings);
        services.AddSingleton<CapsuleRuntime>();
        builder.AddWrennControlPlane(new ControlPlaneOptions
        {
            DataDirectory = settings.DataDirectory,
            DatabaseUrl = settings.Database,
            ProxyDomain = settings.ProxyDomain,
            ProxyRequiresKey = settings.ProxyRequiresKey,
            MetricsToken = settings.MetricsToken,
            SignupEnabled = settings.Signup,
            MaxVcpus = settings.MaxVcpus,
            MaxMemoryMb = settings.MaxMemoryMb,
            MemoryStepMb = settings.MemoryStepMb,
            Quotas = new TeamQuotas(settings.TeamMaxCapsules, settings.TeamMaxVcpus, settings.TeamMaxMemoryMb, settings.TeamMaxSnapshotBytes),
            RequestRate = new RequestRate(settings.RateLimit, settings.RateBurst),
        });

        var app = builder.Build();
        app.UseWrennControlPlane();
        return app;
    }

    /// <summary>Every listen address, over HTTPS when a certificate is configured (HTTP/1.1 and HTTP/2 then).</summary>
    private static void Listen(KestrelServerOptions kestrel, ServeSettings settings)
    {
        var certificate = settings.TlsCertificate is { } pem ? X509Certificate2.CreateFromPemFile(pem, settings.TlsKey) : null;
        foreach (var endpoint in settings.Listen)
        {
            kestrel.Listen(endpoint, listen =>
            {
                if (certificate is not null)
                {
                    listen.Protocols = HttpProtocols.Http1AndHttp2;
                    listen.UseHttps(certificate);
                }
            });
        }
    }

    private static void ConfigureLogging(ILoggingBuilder logging, ServeSettings settings)
    {
        logging.ClearProviders();
        if (settings.LogFormat == "json")
        {
            logging.AddJsonConsole(json => json.UseUtcTimestamp = true);
        }
        else
        {
            logging.AddSimpleConsole();
        }

        logging.SetMinimumLevel(Enum.Parse<LogLevel>(settings.LogLevel, ignoreCase: true));
        logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        // A guest port that refuses is an ordinary 502 for the client, not a server warning.
        logging.AddFilter("Yarp", LogLevel.Error);
    }

    /// <summary>Firecracker when it is configured and /dev/kvm is usable; QEMU (KVM or TCG) otherwise.</summary>
    private static void AddVmm(IServiceCollection services, ServeSettings settings)
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
