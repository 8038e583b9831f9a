using System.Net;
using Wrenn.Server.Hosting;
using Wrenn.Server.Serve.Settings;

namespace Wrenn.Server.Agent;

/// <summary>The resolved settings of <c>wrenn agent</c> (described in <see cref="AgentCatalog"/>).</summary>
internal sealed record AgentSettings(
    Uri? ControlPlane, string? ControlPlaneCa, string? RegistrationToken, IPEndPoint Listen, string? Advertise, int? Vcpus, long? MemoryMb, string LogFormat, string LogLevel,
    LocalHostSettings Host)
{
    /// <summary>Where the agent's own files live: its key, certificates and tokens.</summary>
    public string StateDirectory => Path.Combine(Host.DataDirectory, "agent");

    /// <summary>host:port the control plane dials.</summary>
    public string Address => Advertise ?? $"{Listen.Address}:{Listen.Port}";

    public static AgentSettings From(ResolvedSettings values)
    {
        ArgumentNullException.ThrowIfNull(values);
        return new AgentSettings(values.Get(AgentCatalog.ControlPlane), values.Get(AgentCatalog.ControlPlaneCa), values.Get(AgentCatalog.RegistrationToken), values.Get(AgentCatalog.Listen),
            values.Get(AgentCatalog.Advertise), values.Get(AgentCatalog.Vcpus), values.Get(AgentCatalog.MemoryMb), values.Get(ServeCatalog.LogFormat), values.Get(ServeCatalog.LogLevel),
            new LocalHostSettings(values.Get(ServeCatalog.DataDirectory), values.Get(ServeCatalog.ImagesDirectory), values.Get(ServeCatalog.TemplatesDirectory),
                values.Get(ServeCatalog.TemplateCacheBytes), values.Get(ServeCatalog.PrebuildTemplates), TimeSpan.FromSeconds(values.Get(ServeCatalog.SnapshotUploadDelay)), values.Get(ServeCatalog.Firecracker), values.Get(ServeCatalog.Jailer),
                values.Get(ServeCatalog.VmmUnprivileged), values.Get(ServeCatalog.CapsuleNetwork), values.Get(ServeCatalog.CapsuleDns),
                values.Get(ServeCatalog.EgressAllow), values.Get(ServeCatalog.EgressDeny)));
    }

    public IEnumerable<string> Problems()
    {
        if (ControlPlane is null)
        {
            yield return "control_plane: required (the URL of the control plane's API)";
        }

        if (Advertise is null && (Listen.Address.Equals(IPAddress.Any) || Listen.Address.Equals(IPAddress.IPv6Any)))
        {
            yield return "advertise: required when listening on every address (host:port the control plane reaches this machine at)";
        }

        if (ControlPlaneCa is not null && !File.Exists(ControlPlaneCa))
        {
            yield return $"control_plane_ca: {ControlPlaneCa} does not exist";
        }

        if (!Directory.Exists(Host.ImagesDirectory))
        {
            yield return $"images_dir: {Host.ImagesDirectory} does not exist (make setup builds the guest images)";
        }
    }
}
