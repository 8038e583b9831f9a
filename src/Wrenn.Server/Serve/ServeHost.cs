using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Wrenn.Server.Hosting;
using Wrenn.ControlPlane;
using Wrenn.Host.Protocol;
using Wrenn.HostAgent.Hosting;
using Wrenn.HostAgent.Images;

namespace Wrenn.Server.Serve;

/// <summary>
/// Composes <c>wrenn serve</c>: the control plane (public API, SQLite or PostgreSQL state) and this
/// machine's host agent (capsule runtime with the Firecracker or the QEMU driver) in one process.
/// </summary>
internal static partial class ServeHost
{
    public static WebApplication Build(ServeSettings settings)
    {
        // The data directory holds every capsule's memory and disk, the database and the keys:
        // nobody but the server's user may read it.
        var data = Directory.CreateDirectory(settings.DataDirectory);
        data.UnixFileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(kestrel => Listen(kestrel, settings));
        ConfigureLogging(builder.Logging, settings.LogFormat, settings.LogLevel);
        var services = builder.Services;
        services.AddSingleton(TimeProvider.System);
        if (settings.InProcessHost)
        {
            LocalHostServices.Add(services, settings.LocalHost);
            services.AddSingleton<ICapsuleHost>(provider => provider.GetRequiredService<LocalCapsuleHost>());
        }
        else
        {
            // Capsules run on agents only; the image manifest still names the platform templates.
            services.AddSingleton(GuestImages.Load(settings.ImagesDirectory).BaseImages());
        }

        builder.AddWrennControlPlane(new ControlPlaneOptions
        {
            DataDirectory = settings.DataDirectory,
            DatabaseUrl = settings.Database,
            ProxyDomain = settings.ProxyDomain,
            E2bPath = settings.E2bPath,
            ProxyRequiresKey = settings.ProxyRequiresKey,
            MetricsToken = settings.MetricsToken,
            SignupEnabled = settings.Signup,
            DashboardDirectory = settings.DashboardDirectory,
            MaxVcpus = settings.MaxVcpus,
            MaxMemoryMb = settings.MaxMemoryMb,
            MemoryStepMb = settings.MemoryStepMb,
            Quotas = new TeamQuotas(settings.TeamMaxCapsules, settings.TeamMaxVcpus, settings.TeamMaxMemoryMb, settings.TeamMaxSnapshotBytes),
            RequestRate = new RequestRate(settings.RateLimit, settings.RateBurst),
            HostHeartbeatTimeout = TimeSpan.FromSeconds(settings.HostHeartbeatTimeout),
            HostCheckInterval = TimeSpan.FromSeconds(settings.HostCheckInterval),
            InProcessHost = settings.InProcessHost,
            HostCaCertificate = settings.HostCaCertificate,
            HostCaKey = settings.HostCaKey,
            SnapshotStore = settings.Store,
            SnapshotStoreShared = settings.SnapshotStoreShared,
        });

        if (!settings.SnapshotStoreShared)
        {
            // The default store lives in the data directory; any other directory must exist already
            // (a share that is not mounted must not quietly become a local directory).
            Directory.CreateDirectory(settings.SnapshotStore, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        var app = builder.Build();
        if (settings.TlsLocalCa)
        {
            var caPath = LocalTls.CaPath(settings.DataDirectory);
            LogLocalCa(app.Logger, caPath, settings.ProxyDomain!);
        }

        app.UseWrennControlPlane();
        return app;
    }

    /// <summary>Every listen address, over HTTPS when a certificate is configured (HTTP/1.1 and HTTP/2 then).</summary>
    private static void Listen(KestrelServerOptions kestrel, ServeSettings settings)
    {
        var certificate = settings.TlsCertificate is { } pem ? X509Certificate2.CreateFromPemFile(pem, settings.TlsKey)
            : settings.TlsLocalCa ? LocalTls.ServerCertificate(settings.DataDirectory, settings.ProxyDomain!, TimeProvider.System)
            : null;
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

    public static void ConfigureLogging(ILoggingBuilder logging, string format, string level)
    {
        logging.ClearProviders();
        if (format == "json")
        {
            logging.AddJsonConsole(json => json.UseUtcTimestamp = true);
        }
        else
        {
            logging.AddSimpleConsole();
        }

        logging.SetMinimumLevel(Enum.Parse<LogLevel>(level, ignoreCase: true));
        logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        // A guest port that refuses is an ordinary 502 for the client, not a server warning.
        logging.AddFilter("Yarp", LogLevel.Error);
    }

    [LoggerMessage(EventId = 6020, Level = LogLevel.Information,
        Message = "HTTPS with the development CA {CaPath}: clients trust it (NODE_EXTRA_CA_CERTS={CaPath}) and reach E2B's API with E2B_DOMAIN={Domain}:<port>")]
    private static partial void LogLocalCa(ILogger logger, string caPath, string domain);
}
