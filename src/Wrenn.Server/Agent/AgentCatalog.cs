using System.Net;
using Wrenn.Server.Serve.Settings;

namespace Wrenn.Server.Agent;

/// <summary>
/// The settings of <c>wrenn agent</c>: where its control plane is, how it registers, where it
/// listens, and the host settings it shares with <c>wrenn serve</c>.
/// </summary>
internal static class AgentCatalog
{
    private const string Agent = "Agent";

    public static readonly Setting<Uri?> ControlPlane = new(
        "control_plane", Agent, "URL of the control plane's API (https in production)", raw => ValueParsers.HttpUrl(raw), _ => null, "required");

    public static readonly Setting<string?> ControlPlaneCa = new(
        "control_plane_ca", Agent, "PEM certificate of the CA that issued the control plane's HTTPS certificate (e.g. a self-signed one)",
        ValueParsers.Path, _ => null, "the system's trusted CAs");

    public static readonly Setting<string?> RegistrationToken = new(
        "registration_token", Agent, "One-time token from POST /v1/hosts (first start only; later starts use the stored credentials)",
        ValueParsers.Secret(16), _ => null, "none");

    public static readonly Setting<IPEndPoint> Listen = new(
        "listen", Agent, "Address and port the agent serves its control plane on (gRPC, mutual TLS)", ValueParsers.ListenAddress,
        _ => new IPEndPoint(IPAddress.Any, 7443), "0.0.0.0:7443");

    public static readonly Setting<string?> Advertise = new(
        "advertise", Agent, "host:port the control plane reaches the agent at (its certificate is issued for this host)",
        ValueParsers.HostAndPort, _ => null, "the listen address, when it is not 0.0.0.0");

    public static readonly Setting<int?> Vcpus = new(
        "host_vcpus", Agent, "CPU cores this host offers to capsules, registered once (placement commits vCPUs 4 times over)",
        raw => ValueParsers.Int(1, 4096)(raw), _ => null, "the machine's cores");

    public static readonly Setting<long?> MemoryMb = new(
        "host_memory_mb", Agent, "Memory in MiB this host offers to capsules, registered once (never over-committed)",
        raw => ValueParsers.Int(128, int.MaxValue)(raw), _ => null, "the machine's memory");

    public static IReadOnlyList<Setting> All { get; } =
    [
        ControlPlane, ControlPlaneCa, RegistrationToken, Listen, Advertise, Vcpus, MemoryMb,
        ServeCatalog.DataDirectory, ServeCatalog.ImagesDirectory, ServeCatalog.TemplatesDirectory, ServeCatalog.LogFormat, ServeCatalog.LogLevel,
        ServeCatalog.TemplateCacheBytes, ServeCatalog.PrebuildTemplates, ServeCatalog.SnapshotUploadDelay, ServeCatalog.Firecracker, ServeCatalog.Jailer, ServeCatalog.VmmUnprivileged,
        ServeCatalog.CapsuleNetwork, ServeCatalog.CapsuleDns, ServeCatalog.EgressAllow, ServeCatalog.EgressDeny,
    ];
}
